using System.Collections.Concurrent;
using System.CommandLine;
using System.Runtime.ExceptionServices;
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
        var workers = new Option<int>("--workers") { Description = "trainings run at once, each with --threads intra-op threads (rows are identical to one at a time)", DefaultValueFactory = _ => 1 };
        var training = new TrainingOptions();
        var command = new Command("groundtruth", "train architectures stand-alone to make a ground-truth table (CSV) and print the seed-to-seed Kendall tau")
        {
            space, archs, epochs, seeds, output, selectionSeed, workers,
        };
        training.AddTo(command);
        command.SetAction(parsed =>
        {
            var chosenSpace = SearchSpaces.Get(parsed.GetValue(space)!);
            var archCount = CommonOptions.Positive("--archs", parsed.GetValue(archs));
            var epochCount = CommonOptions.Positive("--epochs", parsed.GetValue(epochs));
            var seedCount = CommonOptions.Positive("--seeds", parsed.GetValue(seeds));
            var workerCount = CommonOptions.Positive("--workers", parsed.GetValue(workers));
            var path = parsed.GetValue(output)!;
            var existing = File.Exists(path) ? GroundTruthTable.Read(path, chosenSpace).Rows : [];
            var architectures = GroundTruthSelection.Select(chosenSpace, archCount, (ulong)parsed.GetValue(selectionSeed));
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
                                  .Where(j => !done.Contains((j.Architecture.ToString(), j.Seed))).ToArray();
                var rowLock = new object();
                // Each training's numbers depend only on its seed and the intra-op thread count, so running several
                // at once (weights built under TorchRuntime's construction lock) writes the same rows, in another order.
                try
                {
                    // One job at a time, in table order, so workers stay busy to the end and a table cut short holds whole pairs.
                    Parallel.ForEach(Partitioner.Create(pending, EnumerablePartitionerOptions.NoBuffering),
                                     new ParallelOptions { MaxDegreeOfParallelism = workerCount }, job => TrainOne(job));
                }
                catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is NasException) is { } userError)
                {
                    ExceptionDispatchInfo.Throw(userError);
                }

                void TrainOne((Architecture Architecture, int Seed, int Number) job)
                {
                    var result = StandaloneTraining.Train(job.Architecture, shape, train, split, test, epochCount, job.Seed, SgdSettings.Standalone, setup.Device);
                    lock (rowLock)
                    {
                        GroundTruthTable.Append(path, new GroundTruthRow(job.Architecture.ToString(), job.Seed, epochCount, result.TestAccuracy,
                            result.ValidationAccuracy, result.Parameters, result.Flops, Math.Round(result.Seconds, 1),
                            shape.Channels, shape.CellsPerStage, shape.ImageSize, split.Train.Length));
                        Console.WriteLine($"[{job.Number}/{jobs.Length}] {job.Architecture} seed {job.Seed}: test {CommonOptions.Accuracy(result.TestAccuracy)}, " +
                                          $"validation {CommonOptions.Accuracy(result.ValidationAccuracy)}, {result.Seconds:0.0} s");
                    }
                }
            }
            var table = GroundTruthTable.Read(path, chosenSpace);
            var tau = table.SeedToSeedTau(1, 2);
            Console.WriteLine(tau switch
            {
                null => "seed-to-seed Kendall tau: needs two seeds on at least two architectures",
                double.NaN => "seed-to-seed Kendall tau: undefined (one seed gives every architecture the same test accuracy)",
                _ => $"seed-to-seed Kendall tau (seed 1 vs seed 2, test accuracy, {table.Rows.Count} rows): {tau:0.000}",
            });
            return 0;
        });
        return command;
    }
}
