using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NasActors.Cli.Bench;
using NasActors.Cli.Plots;
using NasActors.Search;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Cli.Commands;

/// <summary><c>nas interference</c>: trains a supernet per strategy (shaped like the ground truth's child models), then
/// measures how similar a shared operator's gradients are between child pairs against how many other decisions they
/// differ in (MAGIC's first finding); prints the table and writes CSV and SVG.</summary>
internal static class InterferenceCommand
{
    public static Command Create()
    {
        var groundTruth = new Option<string>("--groundtruth") { Description = "ground-truth table whose child models' shape the supernet takes", Required = true };
        var strategies = new Option<string>("--strategies") { Description = "comma-separated strategies, one supernet each", DefaultValueFactory = _ => "uniform" };
        var steps = new Option<int>("--steps") { Description = "supernet training steps before measuring", DefaultValueFactory = _ => 1000 };
        var pairs = new Option<int>("--pairs") { Description = "child pairs per distance", DefaultValueFactory = _ => 50 };
        var edge = new Option<string>("--edge") { Description = "the shared operator's edge (NB201 decision, e.g. 1<-0)", DefaultValueFactory = _ => "1<-0" };
        var operation = new Option<string>("--operation") { Description = "the shared operator (a convolution)", DefaultValueFactory = _ => Nb201Space.Conv3x3 };
        var dataset = new Option<string>("--dataset") { Description = "data set", DefaultValueFactory = _ => "fashion-mnist" };
        var dataDirectory = new Option<string?>("--data-dir") { Description = "folder with the data set's files (default: where its package puts them)" };
        var validationSize = new Option<int>("--validation-size") { Description = "training images held out (as in searches)", DefaultValueFactory = _ => 10_000 };
        var batchSize = new Option<int>("--batch-size") { Description = "batch for training and for each gradient", DefaultValueFactory = _ => 128 };
        var threads = CommonOptions.Threads();
        var seed = new Option<int>("--seed") { Description = "seed of the supernets and of the pairs", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "folder for interference.csv and interference.svg", DefaultValueFactory = _ => "interference" };
        var command = new Command("interference", "gradient similarity of a shared operator between child pairs, against how much they differ")
        {
            groundTruth, strategies, steps, pairs, edge, operation, dataset, dataDirectory, validationSize, batchSize, threads, seed, output,
        };
        command.SetAction(parsed =>
        {
            var space = Nb201Space.Instance;
            var names = parsed.GetValue(strategies)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = names.Where(n => !Samplers.IsKnown(n)).ToArray();
            if (names.Length == 0 || unknown.Length > 0)
                throw new NasException($"--strategies '{parsed.GetValue(strategies)}' names no known strategy{(unknown.Length > 0 ? $" ({string.Join(", ", unknown)} unknown)" : "")}; known: {string.Join(", ", Samplers.Names)}");
            var decision = space.Decisions.Select(d => d.Name).ToList().IndexOf(parsed.GetValue(edge)!);
            if (decision < 0) throw new NasException($"--edge '{parsed.GetValue(edge)}' is not an NB201 edge; use one of {string.Join(", ", space.Decisions.Select(d => d.Name))}");
            var option = Nb201Space.OperationIndex(parsed.GetValue(operation)!);
            if (option < 0)
                throw new NasException($"--operation '{parsed.GetValue(operation)}' is not an NB201 operation; use {Nb201Space.Conv1x1} or {Nb201Space.Conv3x3}");
            if (option is not (2 or 3)) throw new NasException($"--operation '{parsed.GetValue(operation)}' has no weights to compare; use {Nb201Space.Conv1x1} or {Nb201Space.Conv3x3}");
            var pairCount = parsed.GetValue(pairs) >= 2 ? parsed.GetValue(pairs) : throw new NasException($"--pairs must be at least 2 (for a spread), got {parsed.GetValue(pairs)}");
            var stepCount = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var batch = CommonOptions.Positive("--batch-size", parsed.GetValue(batchSize));
            var (table, _) = RankBench.ReadGroundTruth(Path.GetFullPath(parsed.GetValue(groundTruth)!));
            var first = table.Rows[0];

            var device = CommonOptions.StartTorch(parsed.GetValue(threads), "cpu");
            var (train, test) = DataSets.Load(parsed.GetValue(dataset)!, parsed.GetValue(dataDirectory), first.ImageSize);
            using var trainData = train;
            test.Dispose();
            var split = DataSplit.Create(train.Count, parsed.GetValue(validationSize), 0);
            var shape = new NetworkShape(first.Channels, first.Cells, train.Channels, train.Height, train.ClassCount);
            var rootSeed = (ulong)parsed.GetValue(seed);
            var results = new List<(string Strategy, IReadOnlyList<InterferenceRow> Rows)>();
            Console.WriteLine($"interference: {string.Join(", ", names)} supernets (C={shape.Channels} N={shape.CellsPerStage} {shape.ImageSize}px) trained " +
                              $"{stepCount} steps; shared {Nb201Space.Operations[option]} on edge {space.Decisions[decision].Name}; {pairCount} pairs per distance");
            foreach (var name in names)
            {
                var clock = Stopwatch.StartNew();
                using var supernet = TrainSupernet(name, shape, train, split, stepCount, batch, rootSeed, device);
                var probe = new InterferenceProbe(supernet, train, split.Train, decision, option, batch, device);
                var rows = probe.Measure(Enumerable.Range(1, 5), pairCount, Rng.DeriveSeed(rootSeed, "pairs"));
                results.Add((name, rows));
                Console.WriteLine($"{name}: trained and probed in {clock.Elapsed.TotalSeconds:0} s");
            }
            Console.WriteLine();
            Console.WriteLine($"{"strategy",-10} {"distance",8} {"pairs",6} {"cosine",8} {"sd",7}");
            foreach (var (name, rows) in results)
                foreach (var row in rows)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-10} {row.Distance,8} {row.Pairs,6} {row.MeanCosine,8:0.000} {row.StandardDeviation,7:0.000}"));
            var folder = parsed.GetValue(output)!;
            Directory.CreateDirectory(folder);
            var csv = new StringBuilder("strategy,distance,pairs,mean_cosine,sd\n");
            foreach (var (name, rows) in results)
                foreach (var row in rows)
                    csv.Append(string.Create(CultureInfo.InvariantCulture, $"{name},{row.Distance},{row.Pairs},{row.MeanCosine:0.####},{row.StandardDeviation:0.####}\n"));
            File.WriteAllText(Path.Combine(folder, "interference.csv"), csv.ToString());
            File.WriteAllText(Path.Combine(folder, "interference.svg"), SvgPlot.Figure(
                $"Gradient similarity of a shared {Nb201Space.Operations[option]} (edge {space.Decisions[decision].Name})",
                [new Panel("mean cosine similarity, ± 1 sd over pairs", "other decisions in which the pair differs", "cosine similarity",
                    results.Select(r => new Series(r.Strategy, r.Rows.Select(x => ((double)x.Distance, x.MeanCosine)).ToArray(), Line: true,
                        r.Rows.Select(x => x.StandardDeviation).ToArray())).ToArray())], columns: 1));
            Console.WriteLine($"wrote {Path.Combine(folder, "interference.csv")} and interference.svg");
            return 0;
        });
        return command;
    }

    static PathNetwork TrainSupernet(string strategy, NetworkShape shape, ImageDataset train, DataSplit split, int steps, int batch, ulong seed, TorchSharp.torch.Device device)
    {
        var context = new SamplerContext(Nb201Space.Instance, Rng.DeriveSeed(seed, "sampler:" + strategy), StrategySettings.Empty(),
                                         steps, Math.Max(1, split.Train.Length / batch));
        var sampler = Samplers.Create(strategy, context);
        PathNetwork supernet = sampler is FewShotSampler fewShot
            ? new FewShotSupernet(shape, (long)(seed & long.MaxValue), fewShot.Split)
            : Nb201Network.CreateSupernet(shape, (long)(seed & long.MaxValue));
        var settings = SgdSettings.Supernet with { BatchSize = batch };
        var order = Samplers.DataOrder(strategy, split.Train, batch, Rng.DeriveSeed(seed, "data:" + strategy), steps);
        using var training = new SupernetTraining(supernet, sampler, train, order, settings, steps, device);
        while (!training.IsComplete) training.TrainStep();
        return supernet;
    }
}
