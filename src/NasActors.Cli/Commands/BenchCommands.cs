using System.CommandLine;
using NasActors.Cli.Bench;

namespace NasActors.Cli.Commands;

/// <summary><c>nas bench ...</c>: benchmarks that report ratios against a peer measured in the same run.</summary>
internal static class BenchCommands
{
    public static Command Create() => new("bench", "benchmarks (ratios against a peer measured in the same run)")
    {
        TrainBench.Create(),
        MemoryBench.Create(),
        JournalBench.Create(),
        OverheadBench.Create(),
        ConcurrencyBench.Create(),
        ClusterBench.Create(),
        ChaosBench.Create(),
        SplitBench.Create(),
        NanBench.Create(),
    };
}
