namespace NasActors.Cli.Tests;

/// <summary><c>nas bench split</c> on a tiny supernet: both splits measured in processes of their own, alternating,
/// with medians and the ratio reported.</summary>
public sealed class SplitBenchTests
{
    [Fact]
    public async Task Bench_split_should_measure_gradient_matching_and_intrinsic_dimension_in_alternating_processes()
    {
        var run = await NasProcess.RunAsync(TimeSpan.FromSeconds(120), "bench", "split", "--channels", "2", "--cells", "1", "--image-size", "8",
                                            "--batch-size", "32", "--batches", "1", "--rounds", "2", "--threads", "1");
        NasAssert.Succeeded(run);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("round 1: fewshot-gm ", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("round 2: fewshot-lid ", StringComparison.Ordinal));
        // Round 2 runs them in the other order, so that neither always goes first.
        var order = run.StdoutLines.Where(l => l.StartsWith("round ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToArray();
        Assert.Equal(["fewshot-gm", "fewshot-lid", "fewshot-lid", "fewshot-gm"], order);
        Assert.Contains(run.StdoutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^fewshot-lid\s+median peak \+[0-9.]+ MiB, median [0-9.]+ s$"));
        Assert.Contains(run.StdoutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^fewshot-lid / fewshot-gm: memory ([0-9.]+x|n/a \(under 1 MiB\)), time [0-9.]+x$"));
    }

    [Fact]
    public async Task Bench_split_should_refuse_a_strategy_without_a_measured_split()
    {
        NasAssert.UsageError(await NasProcess.RunAsync("bench", "split", "--strategies", "fewshot-gm,uniform"), "--strategies", "uniform");
    }
}
