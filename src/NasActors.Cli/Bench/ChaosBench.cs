using System.CommandLine;
using System.Diagnostics;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Search;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench chaos</c>: runs one spec uninterrupted, then again from a fresh state with SIGKILLs at moments
/// drawn from a seed (during training, while a checkpoint is written, during evaluation, during recovery), restarting
/// after each, and compares the two: final weights, path digests, checkpoints, every evaluation (same ids, same results,
/// none lost, none twice) and the leaderboards. Exits 1 on any difference.</summary>
internal static class ChaosBench
{
    /// <summary>Differences printed before "... and N more".</summary>
    const int ShownDifferences = 20;

    public static Command Create()
    {
        var kills = new Option<int>("--kills") { Description = "SIGKILLs in the chaos run", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "seed of the kill moments (the same seed, the same plan)", DefaultValueFactory = _ => 1 };
        var specFile = new Option<string?>("--spec") { Description = "search spec to run (default: a small two-strategy search on Fashion-MNIST at 8 px)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Fashion-MNIST folder of the default spec (default: the Debian package's)" };
        var cluster = new Option<bool>("--cluster") { Description = "run on a local cluster (PostgreSQL, a coordinator, trainer nodes) and kill the coordinator and trainer nodes" };
        var trainers = new Option<int>("--trainers") { Description = "trainer nodes of the --cluster run", DefaultValueFactory = _ => 2 };
        var keep = new Option<bool>("--keep") { Description = "keep both runs' state folders (printed) instead of deleting them" };
        var command = new Command("chaos", "a search killed (SIGKILL) at random moments and restarted, against the same search uninterrupted: identical or not")
        {
            kills, seed, specFile, dataDir, cluster, trainers, keep,
        };
        command.SetAction(async (parsed, cancellation) =>
        {
            var killCount = parsed.GetValue(kills);
            if (killCount < 1) throw new NasException($"--kills must be at least 1, got {killCount}");
            var seedValue = parsed.GetValue(seed);
            if (seedValue < 0) throw new NasException($"--seed must be 0 or more, got {seedValue}");
            var onCluster = parsed.GetValue(cluster);
            var trainerCount = parsed.GetValue(trainers);
            if (!onCluster && parsed.GetResult(trainers) is { Implicit: false }) throw new NasException("--trainers is for --cluster runs");
            if (trainerCount is < 1 or > 8) throw new NasException($"--trainers must be 1 to 8, got {trainerCount}");
            var specPath = parsed.GetValue(specFile);
            if (specPath is not null && parsed.GetValue(dataDir) is not null) throw new NasException("--data-dir is for the default spec: put data-dir in your --spec instead");
            var given = specPath is null ? null : SearchSpec.Load(specPath);
            var root = Directory.CreateTempSubdirectory("nas-bench-chaos-");
            bool started = false, identical = false;
            try
            {
                var spec = given ?? DefaultSpec(root.FullName, parsed.GetValue(dataDir), onCluster);
                TrainingData.For(spec.Data);  // a missing data set fails here, before any node starts
                var probes = SearchRun.GroundTruthOf(spec).Count;
                var progress = new ChaosProgress(spec, probes);
                var plan = ChaosSchedule.Draw(seedValue, killCount, progress.TrainingUnits, progress.TotalUnits);
                started = true;
                Console.WriteLine($"chaos: {spec.Strategies.Count} strategies x {spec.Strategies.Max(s => s.Steps)} steps (checkpoint every {spec.Training.CheckpointEvery}), " +
                                  $"{spec.Evolution.Budget} evaluations and {probes} ground-truth probes each: {progress.TotalUnits} units of progress; " +
                                  $"{killCount} kills drawn from seed {seedValue}{(onCluster ? $", on a cluster of a coordinator and {trainerCount} trainer nodes (PostgreSQL)" : ", on an embedded node")}");
                IChaosTarget Target(string name) => onCluster
                    ? new ChaosCluster(Path.Combine(root.FullName, name), spec, progress, trainerCount, seedValue)
                    : new ChaosNode(Path.Combine(root.FullName, name), spec, progress);

                var clock = Stopwatch.StartNew();
                SearchExport reference;
                await using (var target = Target("uninterrupted"))
                {
                    await target.StartSearchAsync();
                    await target.FinishAsync(cancellation);
                    reference = await target.ExportAsync();
                }
                if (reference.Status.Phase != RunPhase.Completed || reference.Status.Strategies.FirstOrDefault(s => s.FailureReason is not null) is { } failedFirst)
                    throw new NasException($"the uninterrupted run did not complete cleanly ({reference.Status.Phase}" +
                                           $"{(reference.Status.Strategies.FirstOrDefault(s => s.FailureReason is not null) is { } f ? $", {f.Strategy} failed: {f.FailureReason}" : "")}): " +
                                           "fix the spec first");
                Console.WriteLine($"uninterrupted run: {clock.Elapsed.TotalSeconds:0.0} s, {reference.Evaluations.Count} evaluations");

                clock.Restart();
                var reports = new List<KillReport>();
                SearchExport chaos;
                ChaosJournal? journal;
                await using (var target = Target("killed"))
                {
                    await target.StartSearchAsync();
                    foreach (var planned in plan)
                    {
                        var report = await target.KillAsync(planned, cancellation);
                        if (report is null) break;
                        reports.Add(report);
                        Console.WriteLine(report);
                    }
                    await target.FinishAsync(cancellation);
                    chaos = await target.ExportAsync();
                    journal = target.JournalRows;
                }
                Console.WriteLine($"killed run: {clock.Elapsed.TotalSeconds:0.0} s, {reports.Count} kills and restarts" +
                                  (reports.Count < plan.Count ? $" ({plan.Count - reports.Count} planned kills not reached: the search ended first)" : ""));
                var verdict = ChaosComparison.Compare(reference, chaos, journal);
                Print(verdict, reports);
                identical = verdict.Identical;
                return identical ? 0 : 1;
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                // A run that differs (or broke) keeps its folders for a look; input refused before any run leaves nothing.
                if (started && (parsed.GetValue(keep) || !identical)) Console.WriteLine($"state folders kept in {root.FullName}");
                else root.Delete(recursive: true);
            }
        });
        return command;
    }

    static void Print(ChaosVerdict verdict, IReadOnlyList<KillReport> reports)
    {
        var moments = reports.GroupBy(r => r.Hit).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        var halfWritten = reports.Count(r => r.CheckpointHalfWritten);
        Console.WriteLine($"kill moments: {string.Join(", ", moments)}{(halfWritten > 0 ? $" ({halfWritten} with a checkpoint half written)" : "")}");
        foreach (var difference in verdict.Differences.Take(ShownDifferences)) Console.WriteLine($"  differs: {difference}");
        if (verdict.Differences.Count > ShownDifferences) Console.WriteLine($"  ... and {verdict.Differences.Count - ShownDifferences} more differences");
        Console.WriteLine($"kills: {(verdict.Identical ? reports.Count : 0)} survived, {verdict.Lost} lost, {verdict.Duplicated} duplicated " +
                          $"(evaluations lost or duplicated, of {verdict.Evaluations})");
        Console.WriteLine(verdict.Identical
            ? "identical to the uninterrupted run: final weights, path digests, checkpoints, every evaluation (ids and results) and the leaderboards"
            : $"NOT identical to the uninterrupted run: {verdict.Differences.Count} differences");
    }

    /// <summary>Two uniform strategies on Fashion-MNIST at 8 px, long enough for 20 kills (2 x 20 checkpoints, 2 x 40
    /// evaluations, 2 x 3 probes: 126 units) and about 30 s uninterrupted on 2 cores; its ground truth is a three-row
    /// table written beside the runs. On a cluster, where a killed node takes 10-15 s to be downed and rejoin while the
    /// others go on, the same shape with three times the steps and 25 times the evaluation images.</summary>
    static SearchSpec DefaultSpec(string folder, string? dataDirectory, bool cluster)
    {
        var (steps, evaluationImages) = cluster ? (6000, 5000) : (2000, 200);
        var truth = Path.Combine(folder, "truth.csv");
        File.WriteAllLines(truth, ["arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images",
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|,1,1,0.91,0.91,1,1,1,4,1,8,55000",
            "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|,1,1,0.88,0.88,1,1,1,4,1,8,55000",
            "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|,1,1,0.70,0.70,1,1,1,4,1,8,55000"]);
        return SearchSpec.Parse($$"""
            search {
              name = chaos
              data { dataset = fashion-mnist, image-size = 8, validation-size = 5000, evaluation-images = {{evaluationImages}}{{(dataDirectory is null ? "" : $", data-dir = \"{dataDirectory}\"")}} }
              supernet { channels = 4, cells = 1 }
              training { steps = {{steps}}, batch-size = 32, checkpoint-every = {{steps / 20}}, threads = 1 }
              strategies {
                a { sampler = uniform, seed = 1 }
                b { sampler = uniform, seed = 2 }
              }
              evolution { population = 10, sample-size = 3, budget = 40 }
              ground-truth = "{{truth}}"
            }
            """, "chaos bench spec");
    }
}
