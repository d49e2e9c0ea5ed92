using System.CommandLine;
using System.Diagnostics;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Search;

namespace NasActors.Cli.Commands;

/// <summary><c>nas demo</c>: a whole search through the actors in one process: strategies train their supernets at
/// once on their own trainers, evolution scores child models with inherited weights, and the leaderboard (with ranking
/// quality against the ground truth the spec names) is printed at the end.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var spec = new Option<string>("--spec") { Description = "search spec (HOCON)", DefaultValueFactory = _ => "hocon/searches/demo.conf" };
        var stateDirectory = new Option<string>("--state-dir") { Description = "journal and checkpoints of the demo", DefaultValueFactory = _ => ".nas/demo" };
        var trainers = new Option<int>("--trainers") { Description = "trainer actors (one per device; here CPU)", DefaultValueFactory = _ => 2 };
        var evaluators = new Option<int?>("--evaluators") { Description = "evaluator actors scoring child models at once (default: one per core)" };
        var resume = new Option<bool>("--resume") { Description = "continue the unfinished search in --state-dir instead of starting afresh" };
        var poll = new Option<double>("--poll") { Description = "seconds between progress lines", DefaultValueFactory = _ => 5 };
        var keepServing = new Option<bool>("--keep-serving") { Description = "keep the dashboard up after the search ends, until Ctrl+C" };
        var dashboardPort = new Option<int>("--dashboard-port") { Description = "port of the live dashboard on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => 8050 };
        var tensorBoard = CommonOptions.TensorBoard();
        var command = new Command("demo", "run a whole search through the actors: supernets per strategy, evolution, leaderboard")
        {
            spec, stateDirectory, trainers, evaluators, resume, poll, dashboardPort, keepServing, tensorBoard,
        };
        command.SetAction((parsed, cancellation) => Run(parsed.GetValue(spec)!, parsed.GetValue(stateDirectory)!,
            CommonOptions.Positive("--trainers", parsed.GetValue(trainers)),
            // Scoring is one thread an evaluation: once the supernets are trained, one evaluator would leave cores idle.
            parsed.GetValue(evaluators) is { } e ? CommonOptions.Positive("--evaluators", e) : Environment.ProcessorCount, parsed.GetValue(resume), parsed.GetValue(poll), parsed.GetValue(dashboardPort),
            parsed.GetValue(keepServing), parsed.GetValue(tensorBoard), cancellation));
        return command;
    }

    static async Task<int> Run(string specPath, string stateDirectory, int trainers, int evaluators, bool resume, double pollSeconds, int dashboardPort,
                               bool keepServing, string? tensorBoard, CancellationToken cancellation)
    {
        if (resume && tensorBoard is not null)
            throw new NasException("--tensorboard applies to a new search: a resumed search writes where its journaled spec says (training.tensorboard)");
        var spec = resume ? null : CommonOptions.WithTensorBoard(SearchSpec.Load(specPath), tensorBoard);
        if (!resume && Directory.Exists(stateDirectory)) Directory.Delete(stateDirectory, recursive: true);
        if (resume && !File.Exists(Path.Combine(stateDirectory, "journal.db")))
            throw new NasException($"nothing to resume in {stateDirectory}: start a demo with ./nas demo");
        Operations.NodeEndpoints.ListenToMeter();
        await using var node = NasNode.Start(NodeSettings.Embedded(stateDirectory, trainers, evaluators));
        await using var dashboard = await Dashboard.DashboardServer.StartAsync(node, dashboardPort, AdminToken.ForNode(null, null, stateDirectory),
                                                                                 Path.Combine(stateDirectory, "checkpoints"));
        string searchId;
        if (spec is not null)
        {
            var created = await node.AskAsync<SearchCreated>(new CreateSearch(spec.Text, spec.Training.Threads));
            searchId = created.SearchId;
            Console.WriteLine($"search {searchId}: {spec.Strategies.Count} strategies ({string.Join(", ", spec.Strategies.Select(s => s.IsEstimator ? $"{s.Id}: estimator {s.Sampler}" : $"{s.Id}: {s.Sampler}, {s.Steps} steps"))}) " +
                              $"on {trainers} trainers and {evaluators} evaluators, evolution budget {spec.Evolution.Budget}; state in {stateDirectory}");
        }
        else
        {
            var list = await node.AskAsync<SearchList>(ListSearches.Instance);
            var unfinished = list.Searches.LastOrDefault(s => s.Phase is RunPhase.Running or RunPhase.Paused)
                             ?? throw new NasException($"every search in {stateDirectory} has finished: start a new one with ./nas demo");
            searchId = unfinished.SearchId;
            if (unfinished.Phase == RunPhase.Paused) await node.AskAsync<CommandAccepted>(new ResumeSearch(searchId));
            Console.WriteLine($"resuming search {searchId} from its journal in {stateDirectory}");
        }

        Console.WriteLine($"dashboard: {dashboard.Url}");
        Console.WriteLine($"dashboard actions (pause, resume, stop) take the admin token: {AdminToken.Describe(stateDirectory)}");
        var clock = Stopwatch.StartNew();
        var printed = new Dictionary<string, string>();
        SearchStatus status;
        using var bar = new Output.ConsoleProgress("demo", 1);
        while (true)
        {
            status = await node.AskAsync<SearchStatus>(new GetSearchStatus(searchId));
            foreach (var strategy in status.Strategies)
            {
                var line = Progress(strategy);
                if (printed.GetValueOrDefault(strategy.Strategy) == line) continue;
                printed[strategy.Strategy] = line;
                bar.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {strategy.Strategy,-12} {line}");
            }
            bar.Report(RankBenchCommand.Fraction(status));
            if (status.Phase is RunPhase.Completed or RunPhase.Stopped) break;
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.2, pollSeconds)), cancellation);
        }
        bar.Dispose();
        Console.WriteLine($"search {searchId} {status.Phase.ToString().ToLowerInvariant()} after {clock.Elapsed.TotalSeconds:0} s");
        SearchCommands.PrintRanking(await node.AskAsync<SearchRanking>(new GetRanking(searchId, 10)));
        if (!keepServing) return 0;
        Console.WriteLine($"dashboard still serving at {dashboard.Url}; Ctrl+C stops it");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellation);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    static string Progress(StrategyStatus s)
    {
        if (s.FailureReason is not null) return $"failed: {s.FailureReason}";
        var training = s.IsEstimator ? $"estimator {s.Sampler}" : s.Trained ? "trained" : $"step {s.CheckpointStep}/{s.Steps}";
        var loss = double.IsNaN(s.MeanLoss) ? "" : $"  loss {s.MeanLoss:0.0000}  {s.ImagesPerSecond:N0} images/s";
        var search = $"  | evolution {s.EvaluationsCompleted}/{s.Budget}" + (s.Probes > 0 ? $", ground truth {s.ProbesCompleted}/{s.Probes}" : "");
        var best = s.BestAccuracy is not { } accuracy ? ""
            : s.IsEstimator ? $"  | best score {accuracy.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}"
            : accuracy >= 0 ? $"  | best {CommonOptions.Accuracy(accuracy)}" : "";
        return training + loss + search + best;
    }
}
