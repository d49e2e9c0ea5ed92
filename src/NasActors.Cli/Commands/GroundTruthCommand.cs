using System.CommandLine;
using System.Diagnostics;
using NasActors.Search;
using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;
using NasActors.Torch.Training;

namespace NasActors.Cli.Commands;

/// <summary><c>nas groundtruth</c>: train a stratified sample of architectures stand-alone with several seeds and
/// append one CSV row per (architecture, seed); an interrupted table resumes where it stopped.</summary>
internal static class GroundTruthCommand
{
    public static Command Create()
    {
        var space = CommonOptions.Space();
        var archs = new Option<int>("--archs") { Description = "number of architectures", DefaultValueFactory = _ => 60 };
        var epochs = new Option<int>("--epochs") { Description = "training epochs per run", DefaultValueFactory = _ => 5 };
        var seeds = new Option<int>("--seeds") { Description = "seeds per architecture (1..S)", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--out") { Description = "CSV file to write (resumed when it exists)", Required = true };
        var selectionSeed = new Option<int>("--selection-seed") { Description = "seed that picks the architectures", DefaultValueFactory = _ => 0 };
        var stratify = new Option<string>("--stratify")
        {
            Description = "how architectures spread from weak to strong: capacity (quantiles of a capacity proxy, as the space) or convolutions (an equal share per number of live convolutions)",
            DefaultValueFactory = _ => "capacity",
        };
        var workers = new Option<int>("--workers") { Description = "worker processes training at once, each with --threads intra-op threads (rows are identical to one at a time)", DefaultValueFactory = _ => 1 };
        var shard = new Option<string>("--shard") { Description = "K/N: train only every N-th run, starting at K (what each worker process does)", DefaultValueFactory = _ => "0/1" };
        var summary = new Option<bool>("--summary") { Description = "print the --out table's seed-to-seed tau, noise and spread and train nothing (a table still being made, say)" };
        var training = new TrainingOptions();
        var command = new Command("groundtruth", "train architectures stand-alone to make a ground-truth table (CSV) and print the seed-to-seed Kendall tau")
        {
            space, archs, epochs, seeds, output, selectionSeed, stratify, workers, shard, summary,
        };
        training.AddTo(command);
        command.SetAction(parsed =>
        {
            var chosenSpace = SearchSpaces.Get(parsed.GetValue(space)!);
            if (parsed.GetValue(summary))
            {
                var table = parsed.GetValue(output)!;
                if (!File.Exists(table)) throw new NasException($"'{table}' does not exist: --summary reads a table that groundtruth wrote; drop --summary to make one");
                PrintSeedToSeedTau(table, chosenSpace);
                return 0;
            }
            var archCount = CommonOptions.Positive("--archs", parsed.GetValue(archs));
            var epochCount = CommonOptions.Positive("--epochs", parsed.GetValue(epochs));
            var seedCount = CommonOptions.Positive("--seeds", parsed.GetValue(seeds));
            var workerCount = CommonOptions.Positive("--workers", parsed.GetValue(workers));
            var stratification = GroundTruthSelection.ParseStratification(parsed.GetValue(stratify)!);
            var (shardIndex, shardCount) = ParseShard(parsed.GetValue(shard)!);
            var path = parsed.GetValue(output)!;
            var existing = File.Exists(path) ? GroundTruthTable.Read(path, chosenSpace).Rows : [];
            if (workerCount > 1)
            {
                if (shardCount > 1) throw new NasException("--workers and --shard do not combine: give one or the other");
                var exitCode = RunWorkers(workerCount);
                if (exitCode != 0) return exitCode;
                PrintSeedToSeedTau(path, chosenSpace);
                return 0;
            }
            var architectures = GroundTruthSelection.Select(chosenSpace, archCount, (ulong)parsed.GetValue(selectionSeed), stratification);
            using (var setup = training.Start(parsed))
            {
                var (shape, train, test, split) = (setup.Shape, setup.Train, setup.Test, setup.Split);
                var settings = new GroundTruthRow("", 0, epochCount, 0, 0, 0, 0, 0, shape.Channels, shape.CellsPerStage, shape.ImageSize, split.Train.Length).Settings;
                var mismatched = existing.FirstOrDefault(r => r.Settings != settings);
                if (mismatched is not null)
                    throw new NasException($"'{path}' holds rows made with {mismatched.Settings}, but this run asks for {settings}; " +
                                           "use the same settings to resume it, or another --out for a new table");
                var done = existing.Select(r => (r.Architecture, r.Seed)).ToHashSet();
                var jobs = architectures.SelectMany(a => Enumerable.Range(1, seedCount).Select(s => (Architecture: a, Seed: s))).ToArray();
                Console.WriteLine($"ground truth: {archCount} architectures x {seedCount} seeds on {train.Name} ({settings}); " +
                                  $"{jobs.Count(j => done.Contains((j.Architecture.ToString(), j.Seed)))} of {jobs.Length} runs already in {path}");
                var pending = jobs.Select((job, index) => (job.Architecture, job.Seed, Number: index + 1))
                                  .Where(j => !done.Contains((j.Architecture.ToString(), j.Seed)) && (j.Number - 1) % shardCount == shardIndex);
                var todo = pending.ToArray();
                // Worker processes share the terminal: only their lines, no bars.
                using var bar = new Output.ConsoleProgress("ground truth", todo.Length, interactive: shardCount > 1 ? false : null);
                foreach (var ((architecture, seed, number), finished) in todo.Select((job, index) => (job, index)))
                {
                    var result = StandaloneTraining.Train(architecture, shape, train, split, test, epochCount, seed, SgdSettings.Standalone, setup.Device,
                        fractionDone: fraction => bar.Report(finished + fraction, $"{finished}/{todo.Length} runs done"));
                    GroundTruthTable.Append(path, new GroundTruthRow(architecture.ToString(), seed, epochCount, result.TestAccuracy,
                        result.ValidationAccuracy, result.Parameters, result.Flops, Math.Round(result.Seconds, 1),
                        shape.Channels, shape.CellsPerStage, shape.ImageSize, split.Train.Length));
                    bar.WriteLine($"[{number}/{jobs.Length}] {architecture} seed {seed}: test {CommonOptions.Accuracy(result.TestAccuracy)}, " +
                                      $"validation {CommonOptions.Accuracy(result.ValidationAccuracy)}, {result.Seconds:0.0} s");
                    bar.Report(finished + 1, $"{finished + 1}/{todo.Length} runs done");
                }
            }
            if (shardCount == 1) PrintSeedToSeedTau(path, chosenSpace);
            return 0;
        });
        return command;
    }

    /// <summary>"K/N" with 0 &lt;= K &lt; N.</summary>
    static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var index) && int.TryParse(parts[1], out var count) && count >= 1 && index >= 0 && index < count)
            return (index, count);
        throw new NasException($"--shard '{text}' is malformed: expected K/N with 0 <= K < N, e.g. 0/2");
    }

    /// <summary>Runs this same command as N worker processes with --shard 0/N .. N-1/N, appending to one table. Processes,
    /// not threads: TorchSharp's BatchNorm with running statistics crashed natively with two trainings on two threads.</summary>
    static int RunWorkers(int count)
    {
        var arguments = Environment.GetCommandLineArgs().Skip(1).ToList();
        for (var i = arguments.Count - 1; i >= 0; i--)
        {
            if (arguments[i] == "--workers") arguments.RemoveRange(i, Math.Min(2, arguments.Count - i));
            else if (arguments[i].StartsWith("--workers=", StringComparison.Ordinal)) arguments.RemoveAt(i);
        }
        var host = Environment.ProcessPath ?? "dotnet";
        var entry = System.Reflection.Assembly.GetEntryAssembly()!.Location;
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var processes = Enumerable.Range(0, count).Select(k =>
        {
            var start = new ProcessStartInfo(host) { UseShellExecute = false };
            if (viaDotnet) start.ArgumentList.Add(entry);
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            start.ArgumentList.Add("--shard");
            start.ArgumentList.Add($"{k}/{count}");
            return Process.Start(start) ?? throw new NasException($"could not start worker process {k}");
        }).ToArray();
        foreach (var process in processes) process.WaitForExit();
        return processes.Max(p => p.ExitCode);
    }

    static void PrintSeedToSeedTau(string path, IChoiceSpace space)
    {
        var table = GroundTruthTable.Read(path, space);
        var tau = table.SeedToSeedTau(1, 2);
        Console.WriteLine(tau switch
        {
            null => "seed-to-seed Kendall tau: needs two seeds on at least two architectures",
            double.NaN => "seed-to-seed Kendall tau: undefined (one seed gives every architecture the same test accuracy)",
            _ => $"seed-to-seed Kendall tau (seed 1 vs seed 2, test accuracy, {table.Rows.Count} rows): {tau:0.000}",
        });
        if (table.SeedNoise(1, 2) is { } noise)
            Console.WriteLine($"per-seed noise {noise.Noise:0.00%} (seed 1 vs seed 2), spread of the architectures' means {noise.Spread:0.00%} " +
                              $"({noise.Architectures} architectures): architectures closer than the noise rank by chance");
        if (table.SplitHalfTau() is { } split)
            Console.WriteLine($"split-half Kendall tau (mean of the odd seeds vs mean of the even seeds, {split.SeedsPerHalf} each, {split.Architectures} architectures): {split.Tau:0.000}");
    }
}
