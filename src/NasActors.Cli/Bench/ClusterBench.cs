using System.CommandLine;
using System.Diagnostics;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Cli.Cluster;
using NasActors.Cli.Commands;
using NasActors.Search;
using NasActors.Search.Sampling;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench cluster</c>: one search on local clusters of 1, 2, 3... trainer processes (the
/// <c>nas cluster up</c> topology: PostgreSQL, a coordinator, trainer+evaluator nodes on loopback). Training steps per
/// second summed over the strategies, and evaluations per second, against the cluster with the fewest trainers.</summary>
internal static class ClusterBench
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static Command Create()
    {
        var trainerCounts = new Option<string>("--trainers") { Description = "trainer node counts to measure, comma-separated", DefaultValueFactory = _ => "1,2,3" };
        var strategies = new Option<string>("--strategies") { Description = "comma-separated strategies (one training job each; fair and sandwich train several paths per step)", DefaultValueFactory = _ => "uniform,magic-t,pada" };
        var steps = new Option<int>("--steps") { Description = "supernet training steps per strategy", DefaultValueFactory = _ => 300 };
        var budget = new Option<int>("--budget") { Description = "inherited-weight evaluations per strategy", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "intra-op threads per trainer (keep trainers x threads near the cores)", DefaultValueFactory = _ => 1 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Fashion-MNIST folder (default: the Debian package's)" };
        var command = new Command("cluster", "training and evaluation throughput of a local cluster with 1, 2, 3 trainer processes")
        {
            trainerCounts, strategies, steps, budget, threads, dataDir,
        };
        command.SetAction(async (parsed, _) =>
        {
            var counts = ParseCounts(parsed.GetValue(trainerCounts)!);
            var names = parsed.GetValue(strategies)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = names.Where(n => !Samplers.IsKnown(n)).ToArray();
            if (names.Length == 0 || unknown.Length > 0 || names.Distinct().Count() != names.Length)
                throw new NasException($"--strategies needs distinct known strategies{(unknown.Length > 0 ? $" ({string.Join(", ", unknown)} unknown)" : "")}; known: {string.Join(", ", Samplers.Names)}");
            var stepCount = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var budgetCount = CommonOptions.Positive("--budget", parsed.GetValue(budget));
            var threadCount = CommonOptions.Positive("--threads", parsed.GetValue(threads));
            var spec = SearchSpec.Parse(Spec(names, stepCount, budgetCount, threadCount, parsed.GetValue(dataDir)), "cluster bench spec");
            TrainingData.For(spec.Data);  // a missing data set fails here, before any cluster starts

            Console.WriteLine($"{names.Length} strategies x {stepCount} steps, {budgetCount} evaluations each (C=8 N=1 16px, batch 128, " +
                              $"{threadCount} thread(s) per trainer); trainer nodes {string.Join(", ", counts)} on {Environment.ProcessorCount} cores");
            var results = new List<(int Trainers, Throughput Measured)>();
            foreach (var count in counts)
            {
                var measured = await MeasureAsync(count, spec);
                results.Add((count, measured));
                Console.WriteLine($"{count} trainer node(s): training {measured.StepsPerSecond:0.0} steps/s (summed over strategies, {measured.TrainingSeconds:0.0} s; " +
                                  $"{measured.TrainerStepsPerSecond:0.0} steps/s inside a trainer's loop), " +
                                  $"evaluation {measured.EvaluationsPerSecond:0.00}/s ({measured.Evaluations} in {measured.EvaluationSeconds:0.0} s), run {measured.RunSeconds:0.0} s");
            }
            var (baseCount, baseline) = results[0];
            foreach (var (count, measured) in results.Skip(1))
            {
                // Jobs run in rounds of one per trainer; the cores run at most cores/threads trainers at full speed.
                int Rounds(int trainers) => (names.Length + trainers - 1) / trainers;
                double Parallel(int trainers) => Math.Min(Math.Min(trainers, names.Length), Math.Max(1.0, Environment.ProcessorCount / (double)threadCount));
                var ideal = Rounds(baseCount) / (double)Rounds(count);
                var allowed = Math.Min(ideal, Parallel(count) / Parallel(baseCount));
                Console.WriteLine($"scaling {count} vs {baseCount} trainer node(s): training {measured.StepsPerSecond / baseline.StepsPerSecond:0.00}x, " +
                                  $"evaluation {measured.EvaluationsPerSecond / baseline.EvaluationsPerSecond:0.00}x " +
                                  $"(ideal {ideal:0.00}x for {names.Length} jobs; {Environment.ProcessorCount} cores allow about {allowed:0.00}x)");
            }
            return 0;
        });
        return command;
    }

    static int[] ParseCounts(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var counts = parts.Select(p => int.TryParse(p, out var n) && n is >= 1 and <= 16 ? n : 0).ToArray();
        if (counts.Length == 0 || counts.Contains(0) || counts.Distinct().Count() != counts.Length)
            throw new NasException($"--trainers '{text}' must be distinct counts from 1 to 16, comma-separated, e.g. 1,2,3");
        return [.. counts.Order()];
    }

    static string Spec(IEnumerable<string> strategies, int steps, int budget, int threads, string? dataDirectory) => $$"""
        search {
          name = cluster-bench
          data { dataset = fashion-mnist, image-size = 16, evaluation-images = 500{{(dataDirectory is null ? "" : $", data-dir = \"{dataDirectory}\"")}} }
          supernet { channels = 8, cells = 1 }
          training { steps = {{steps}}, checkpoint-every = {{Math.Max(1, steps / 3)}}, threads = {{threads}} }
          strategies { {{string.Join(" ", strategies.Select((s, i) => $"{s} {{ sampler = {s}, seed = {i + 1} }}"))}} }
          evolution { population = {{Math.Min(10, budget)}}, sample-size = 3, budget = {{budget}} }
        }
        """;

    sealed record Throughput(double StepsPerSecond, double TrainingSeconds, double TrainerStepsPerSecond, double EvaluationsPerSecond, int Evaluations, double EvaluationSeconds, double RunSeconds);

    /// <summary>Starts a cluster with <paramref name="trainers"/> trainer nodes, runs the search to the end and stops the
    /// cluster. Training: all strategies' steps over the time until the last supernet is trained; evaluation: all
    /// evaluations over the time from the first trained supernet to the run's end (the phases overlap when jobs queue).</summary>
    static async Task<Throughput> MeasureAsync(int trainers, SearchSpec spec)
    {
        var state = Directory.CreateTempSubdirectory("nas-bench-cluster-");
        var ports = LoopbackPorts.FreeBlock(trainers + 2);
        var cluster = new LocalCluster(state.FullName, ports[0], ports[^1]);
        try
        {
            await cluster.UpAsync(trainers, Path.Combine(AppContext.BaseDirectory, "nas.dll"), TextWriter.Null);
            await using var admin = await cluster.ConnectAdminAsync();
            await WaitForTrainersAsync(admin, trainers);
            var clock = Stopwatch.StartNew();
            var created = await admin.AskAsync<SearchCreated>(new CreateSearch(spec.Text, spec.Training.Threads));
            double? firstTrained = null, allTrained = null;
            SearchStatus status;
            while (true)
            {
                await Task.Delay(Poll);
                status = await admin.AskAsync<SearchStatus>(new GetSearchStatus(created.SearchId));
                if (status.Strategies.FirstOrDefault(s => s.FailureReason is not null) is { } failed)
                    throw new NasException($"strategy {failed.Strategy} failed on the {trainers}-trainer cluster: {failed.FailureReason}");
                if (status.Strategies.Any(s => s.Trained)) firstTrained ??= clock.Elapsed.TotalSeconds;
                if (status.Strategies.All(s => s.Trained)) allTrained ??= clock.Elapsed.TotalSeconds;
                if (status.Phase == RunPhase.Completed) break;
            }
            var run = clock.Elapsed.TotalSeconds;
            var steps = status.Strategies.Sum(s => s.Steps);
            var evaluations = status.Strategies.Sum(s => s.EvaluationsCompleted);
            var evaluationSeconds = run - firstTrained!.Value;
            var trainerSeconds = status.Strategies.Sum(s => s.TrainingSeconds);
            return new Throughput(steps / allTrained!.Value, allTrained.Value, steps / trainerSeconds, evaluations / evaluationSeconds, evaluations, evaluationSeconds, run);
        }
        finally
        {
            cluster.Down(TextWriter.Null);
            state.Delete(recursive: true);
        }
    }

    /// <summary>Trainers register a moment after their node is up: timing starts when all of them can take work.</summary>
    internal static async Task WaitForTrainersAsync(ClusterAdminClient admin, int trainers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if ((await admin.AskAsync<NodeList>(ListNodes.Instance)).Trainers.Count >= trainers) return;
            await Task.Delay(Poll);
        }
        throw new NasException($"the {trainers} trainer node(s) did not register with the coordinator within 60 s");
    }
}
