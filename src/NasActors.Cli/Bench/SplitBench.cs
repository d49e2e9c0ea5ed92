using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NasActors.Cli.Commands;
using NasActors.Search;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench split</c>: peak memory and time of a few-shot split's measurement alone (GM-NAS's gradients
/// against NAS-LID's intrinsic dimensions), each in a process of its own so that one's freed memory cannot hide the
/// other's peak; strategies alternate over rounds.</summary>
internal static class SplitBench
{
    const string MeasureLine = "split-measurement";

    public static Command Create()
    {
        var strategies = new Option<string>("--strategies") { Description = "few-shot strategies whose split to measure", DefaultValueFactory = _ => $"{FewShotSampler.GradientMatchingName},{FewShotSampler.IntrinsicDimensionName}" };
        var channels = new Option<int>("--channels") { Description = "C: channels of the first stage", DefaultValueFactory = _ => 8 };
        var cells = new Option<int>("--cells") { Description = "N: cells per stage", DefaultValueFactory = _ => 5 };
        var imageSize = new Option<int>("--image-size") { Description = "pixels square of the (generated) images", DefaultValueFactory = _ => 16 };
        var batchSize = new Option<int>("--batch-size") { Description = "images per batch", DefaultValueFactory = _ => 128 };
        var batches = new Option<int>("--batches") { Description = "batches each split measures (the same for both, so that the per-batch cost compares)", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "alternating rounds (medians are reported)", DefaultValueFactory = _ => 3 };
        var threads = CommonOptions.Threads();
        var measure = new Option<string?>("--measure") { Hidden = true };
        var command = new Command("split", "peak memory and time of the few-shot split step alone: gradient matching against local intrinsic dimension, same run")
        {
            strategies, channels, cells, imageSize, batchSize, batches, rounds, threads, measure,
        };
        command.SetAction(parsed =>
        {
            var shape = new NetworkShape(Positive(parsed, channels), Positive(parsed, cells), 1, Positive(parsed, imageSize), 10);
            shape.Validate();
            var batch = Positive(parsed, batchSize);
            var batchCount = Positive(parsed, batches);
            if (parsed.GetValue(measure) is { } strategy)
                return Measure(strategy, shape, batch, batchCount, parsed.GetValue(threads));
            var names = parsed.GetValue(strategies)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (names.Length == 0) throw new NasException("--strategies is empty: name fewshot-gm, fewshot-lid or both");
            if (names.FirstOrDefault(n => n is not (FewShotSampler.GradientMatchingName or FewShotSampler.IntrinsicDimensionName)) is { } unknown)
                throw new NasException($"--strategies names '{unknown}': only {FewShotSampler.GradientMatchingName} and {FewShotSampler.IntrinsicDimensionName} measure a split");
            if (batch <= FewShotSplit.DefaultLidNeighbours && names.Contains(FewShotSampler.IntrinsicDimensionName))
                throw new NasException($"--batch-size {batch} is too small for NAS-LID's {FewShotSplit.DefaultLidNeighbours} neighbours: use more than {FewShotSplit.DefaultLidNeighbours}");
            return Compare(names, Environment.GetCommandLineArgs().Skip(1).ToArray(), Positive(parsed, rounds), $"C={shape.Channels} N={shape.CellsPerStage} {shape.ImageSize}x{shape.ImageSize}, batch {batch}, {batchCount} batches");
        });
        return command;
    }

    static int Positive(System.CommandLine.ParseResult parsed, Option<int> option) => CommonOptions.Positive(option.Name, parsed.GetValue(option));

    static int Compare(IReadOnlyList<string> strategies, string[] arguments, int rounds, string what)
    {
        var peaks = strategies.ToDictionary(s => s, _ => new List<double>());
        var seconds = strategies.ToDictionary(s => s, _ => new List<double>());
        Console.WriteLine($"split of edge 3<-0 into 2 groups, {what}; {rounds} rounds, each strategy in a fresh process");
        for (var round = 1; round <= rounds; round++)
            foreach (var strategy in round % 2 == 1 ? strategies : strategies.Reverse())
            {
                var (peak, elapsed) = RunMeasurement(arguments, strategy);
                peaks[strategy].Add(peak);
                seconds[strategy].Add(elapsed);
                Console.WriteLine($"round {round}: {strategy,-12} peak +{peak,8:0.0} MiB resident  {elapsed,7:0.00} s");
            }
        foreach (var strategy in strategies)
            Console.WriteLine($"{strategy,-12} median peak +{MemoryBench.Median(peaks[strategy]):0.0} MiB, median {MemoryBench.Median(seconds[strategy]):0.00} s");
        if (strategies.Count == 2)
        {
            var (first, second) = (strategies[0], strategies[1]);
            // A tiny network's peak can stay within the page cache's noise: no ratio of nothing.
            var memory = MemoryBench.Median(peaks[first]) >= 1 ? $"{MemoryBench.Median(peaks[second]) / MemoryBench.Median(peaks[first]):0.00}x" : "n/a (under 1 MiB)";
            Console.WriteLine($"{second} / {first}: memory {memory}, time {MemoryBench.Median(seconds[second]) / MemoryBench.Median(seconds[first]):0.00}x");
        }
        return 0;
    }

    static (double PeakMiB, double Seconds) RunMeasurement(string[] arguments, string strategy)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nas.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--measure");
        start.ArgumentList.Add(strategy);
        using var process = Process.Start(start) ?? throw new NasException($"could not start the measurement of {strategy}");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(MeasureLine, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new NasException($"the measurement of {strategy} failed (exit code {process.ExitCode}): {output.Trim()}");
        var fields = line.Split(' ');
        return (double.Parse(fields[1], CultureInfo.InvariantCulture), double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    /// <summary>In the child process: builds the parent supernet and the batches, then resets the resident high-water
    /// mark and measures the split alone.</summary>
    static int Measure(string strategy, NetworkShape shape, int batchSize, int batches, int threads)
    {
        CommonOptions.StartTorch(threads, "cpu");
        using var supernet = Nb201Network.CreateSupernet(shape, seed: 1);
        var generator = new Generator(7);
        var data = Enumerable.Range(0, batches).Select(_ => (Images: randn([batchSize, shape.InputChannels, shape.ImageSize, shape.ImageSize], generator: generator),
                                                             Labels: randint(0, shape.ClassCount, [batchSize], generator: generator))).ToArray();
        var decision = Nb201Space.EdgeIndex(3, 0);
        var next = 0;
        (Tensor, Tensor) NextBatch() { var b = data[next++ % data.Length]; return (b.Images, b.Labels); }
        var rng = new Rng(3);
        Architecture NextPath() => ArchitectureSampling.Uniform(Nb201Space.Instance, rng);
        // One forward pass first, so that libtorch's kernels and thread pools are loaded before the baseline.
        using (no_grad()) using (NewDisposeScope()) supernet.Forward(data[0].Images, NextPath());
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");  // resets VmHWM to the current resident size
        var baseline = MemoryBench.StatusMiB("VmRSS:");
        var stopwatch = Stopwatch.StartNew();
        double[,] distances = strategy == FewShotSampler.GradientMatchingName
            ? GradientMatching.OptionDistances(supernet, decision, 5, batches, NextBatch, NextPath)
            : IntrinsicDimensionMatching.OptionDistances(supernet, decision, 5, batches, FewShotSplit.DefaultLidNeighbours, NextBatch, NextPath).Distances;
        stopwatch.Stop();
        var peak = MemoryBench.StatusMiB("VmHWM:") - baseline;
        var groups = OptionGrouping.LeastWithinGroupDistance(distances, 2);
        Console.WriteLine(FormattableString.Invariant($"{MeasureLine} {peak:0.0} {stopwatch.Elapsed.TotalSeconds:0.000} {string.Join(",", groups)}"));
        foreach (var (images, labels) in data) { images.Dispose(); labels.Dispose(); }
        return 0;
    }
}
