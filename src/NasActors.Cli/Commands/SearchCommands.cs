using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Search;
using NasActors.Torch.Estimators;

namespace NasActors.Cli.Commands;

/// <summary><c>nas search start|list|status|pause|resume|stop|top|export|report</c>: against an embedded node's journal
/// (they journal what they are asked and run nothing: <c>nas node</c> trains and evaluates), or with <c>--connect</c>
/// against a running cluster, through its receptionist, with the admin token.</summary>
internal static class SearchCommands
{
    public const string DefaultStateDirectory = ".nas/node";

    public static Option<string> StateDirectory() =>
        new("--state-dir") { Description = "the node's checkpoints, and its journal unless --journal names one", DefaultValueFactory = _ => DefaultStateDirectory };

    public static Option<string?> Journal() =>
        new("--journal") { Description = "postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: SQLite in --state-dir)" };

    public static Option<string?> Connect() =>
        new("--connect") { Description = "HOST:PORT of a cluster node: send the command to the cluster instead of the embedded journal" };

    public static Option<string?> Token() =>
        new("--token") { Description = $"the cluster's admin token (default: ${AdminToken.Variable}, or the token file of ./nas cluster up)" };

    /// <summary>The cluster at <paramref name="connect"/> when given, else an admin node on the embedded journal.</summary>
    static async Task<IAdminChannel> OpenAsync(string? connect, string? token, Func<ClusterCertificate?> certificate, string stateDirectory, string? journal, bool journalMustExist)
    {
        if (connect is not null)
            return await ClusterAdminClient.ConnectAsync(NodeAddress.Parse(connect, "--connect"), AdminToken.ForClient(token), certificate: certificate());
        if (journalMustExist && journal is null && !File.Exists(Path.Combine(stateDirectory, "journal.db")))
            throw new NasException($"no journal in {stateDirectory}: start a search with ./nas search start --spec FILE (or pass --state-dir, or --connect HOST:PORT for a cluster)");
        return NasNode.StartAdmin(Settings(stateDirectory, journal, trainers: 1));
    }

    /// <summary>The embedded node's settings, with the journal moved to PostgreSQL when <paramref name="journal"/> names it.</summary>
    public static NodeSettings Settings(string stateDirectory, string? journal, int trainers, int evaluators = 1)
    {
        var settings = NodeSettings.Embedded(stateDirectory, trainers, evaluators);
        return journal is null ? settings : settings with { Journal = Actors.Persistence.JournalSettings.FromPostgresUrl(journal) };
    }

    public static Command Create()
    {
        var command = new Command("search", "admin commands for searches (embedded journal)");
        command.Add(Start());
        command.Add(Simple("list", "every search with its phase and progress", null, async (node, _, _) =>
        {
            var list = await node.AskAsync<SearchList>(ListSearches.Instance);
            if (list.Searches.Count == 0) Console.WriteLine("no searches yet: start one with ./nas search start --spec hocon/searches/demo.conf");
            foreach (var search in list.Searches) PrintStatus(search);
        }));
        command.Add(Simple("status", "one search's phase and, per strategy, training and evaluation progress", null,
            async (node, id, _) => PrintStatus(await node.AskAsync<SearchStatus>(new GetSearchStatus(id!)))));
        foreach (var (verb, description, make) in new (string, string, Func<string, object>)[]
                 {
                     ("pause", "pause a running search (training stops at the next step; the last checkpoint stands)", id => new PauseSearch(id)),
                     ("resume", "resume a paused search (a node continues it)", id => new ResumeSearch(id)),
                     ("stop", "stop a search for good", id => new StopSearch(id)),
                 })
            command.Add(Simple(verb, description, null, async (node, id, _) =>
            {
                await node.AskAsync<CommandAccepted>(make(id!));
                Console.WriteLine($"search {id}: {verb} journaled");
            }));
        var k = new Option<int>("--k") { Description = "leaderboard size", DefaultValueFactory = _ => 10 };
        command.Add(Simple("top", "each strategy's best child models and ranking quality", k, async (node, id, parsed) =>
            PrintRanking(await node.AskAsync<SearchRanking>(new GetRanking(id!, CommonOptions.Positive("--k", parsed.GetValue(k)))))));
        var output = new Option<string>("--out") { Description = "JSON file to write", Required = true };
        command.Add(Simple("export", "write a search's status, ranking, spec and every evaluation to JSON", output, async (node, id, parsed) =>
        {
            var export = await node.AskAsync<SearchExport>(new ExportSearch(id!));
            var path = parsed.GetValue(output)!;
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(export, new JsonSerializerOptions
            {
                WriteIndented = true,
                NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
                Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            }));
            Console.WriteLine($"search {id} exported to {path} ({export.Evaluations.Count} evaluations)");
        }));
        var reportOutput = new Option<string>("--out") { Description = "HTML file to write", Required = true };
        command.Add(Simple("report", "write a self-contained HTML report of a search (figures inline, SVG)", reportOutput, async (node, id, parsed) =>
        {
            var export = await node.AskAsync<SearchExport>(new ExportSearch(id!));
            var truth = Reports.SearchReport.GroundTruthOf(export.Spec, $"spec of {id}");
            var path = parsed.GetValue(reportOutput)!;
            // The checkpoints say how much each operation trained; a search run elsewhere (--connect) may have none here.
            var checkpoints = Path.Combine(parsed.GetValue<string>("--state-dir")!, "checkpoints");
            await File.WriteAllTextAsync(path, Reports.SearchReport.Html(export, truth, Reports.SearchReport.OperationTrainingOf(export, checkpoints)));
            Console.WriteLine($"report of search {id} written to {path}");
        }));
        return command;
    }

    static Command Start()
    {
        var spec = new Option<string>("--spec") { Description = "search spec (HOCON)", Required = true };
        var stateDirectory = StateDirectory();
        var journal = Journal();
        var connect = Connect();
        var token = Token();
        var tls = new CertificateOptions();
        var command = new Command("start", "journal a new search from a spec and print its id (./nas node, or the cluster, runs it)")
        {
            spec, stateDirectory, journal, connect, token,
        };
        tls.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            var searchSpec = SearchSpec.Load(parsed.GetValue(spec)!);
            await using var node = await OpenAsync(parsed.GetValue(connect), parsed.GetValue(token), () => tls.ForClient(parsed), parsed.GetValue(stateDirectory)!,
                                                   parsed.GetValue(journal), journalMustExist: false);
            var created = await node.AskAsync<SearchCreated>(new CreateSearch(searchSpec.Text, searchSpec.Training.Threads));
            Console.WriteLine(created.SearchId);
            Console.Error.WriteLine(parsed.GetValue(connect) is { } cluster
                ? $"started on the cluster at {cluster}; follow it with ./nas search status {created.SearchId} --connect {cluster}"
                : $"journaled in {parsed.GetValue(stateDirectory)}; ./nas node --state-dir {parsed.GetValue(stateDirectory)} runs it");
            return 0;
        });
        return command;
    }

    /// <summary>A command on an admin channel (embedded journal or cluster); with <paramref name="extra"/> an option beyond the search id.</summary>
    static Command Simple(string name, string description, Option? extra, Func<IAdminChannel, string?, ParseResult, Task> act)
    {
        var stateDirectory = StateDirectory();
        var journal = Journal();
        var connect = Connect();
        var token = Token();
        var id = new Argument<string>("id") { Description = "search id (see: nas search list)" };
        var tls = new CertificateOptions();
        var command = new Command(name, description) { stateDirectory, journal, connect, token };
        tls.AddTo(command);
        if (name != "list") command.Add(id);
        if (extra is not null) command.Add(extra);
        command.SetAction(async (parsed, _) =>
        {
            await using var node = await OpenAsync(parsed.GetValue(connect), parsed.GetValue(token), () => tls.ForClient(parsed), parsed.GetValue(stateDirectory)!,
                                                   parsed.GetValue(journal), journalMustExist: true);
            await act(node, name == "list" ? null : parsed.GetValue(id), parsed);
            return 0;
        });
        return command;
    }

    internal static void PrintStatus(SearchStatus status)
    {
        foreach (var line in StatusLines(status)) Console.WriteLine(line);
    }

    /// <summary>A search's status as <c>search status</c> and a node's progress reports print it: a line for the search,
    /// one per strategy (<c>nas bench chaos</c> reads a node's progress from these).</summary>
    internal static IEnumerable<string> StatusLines(SearchStatus status)
    {
        yield return $"{status.SearchId}  {status.Name}  {status.Phase.ToString().ToLowerInvariant()}";
        if (status.JournalFault is { } fault) yield return $"  held: {fault}";
        foreach (var s in status.Strategies)
            yield return $"  {s.Strategy,-12} {s.Sampler,-8} " + (s.FailureReason is not null ? $"failed: {s.FailureReason}" :
                $"{(s.IsEstimator ? "estimator (no supernet)" : s.Trained ? "trained" : $"step {s.CheckpointStep}/{s.Steps}")}  evolution {s.EvaluationsCompleted}/{s.Budget}" +
                (s.Probes > 0 ? $"  ground truth {s.ProbesCompleted}/{s.Probes}" : "") +
                (s.EvaluationsFailed > 0 ? $"  failed evaluations {s.EvaluationsFailed}" : "") +
                (s.CheckpointsRejected > 0 ? $"  corrupt checkpoints skipped {s.CheckpointsRejected}" : "") +
                (s.Trained && s.TrainingSeconds > 0 ? $"  waited for paths {100 * s.PathWaitSeconds / s.TrainingSeconds:0.00}% of {s.TrainingSeconds:0} s" : "") +
                (s.BestAccuracy is { } best && s.IsEstimator ? $"  best score {best.ToString("G4", CultureInfo.InvariantCulture)}"
                 : s.BestAccuracy is { } accuracy && accuracy >= 0 ? $"  best {CommonOptions.Accuracy(accuracy)}" : ""));
    }

    internal static void PrintRanking(SearchRanking ranking)
    {
        foreach (var strategy in ranking.Strategies)
        {
            Console.WriteLine();
            var scored = strategy switch
            {
                { Combines: { } members } => $"mean rank under {string.Join(", ", members)} as a share, 1 = every one's best",
                { Estimator: { } estimator } => $"{estimator} score of a freshly initialised child, no supernet",
                _ => "inherited-weight validation accuracy",
            };
            Console.WriteLine($"{strategy.Strategy}: top {strategy.Leaderboard.Count} child models, one per function ({scored}; " +
                              "stand-alone test accuracy where the ground truth has it; strings that compute it)");
            foreach (var child in strategy.Leaderboard)
                Console.WriteLine($"  {(strategy.IsScore ? child.Accuracy.ToString("G4", CultureInfo.InvariantCulture) : CommonOptions.Accuracy(child.Accuracy)),9}  " +
                                  $"{(child.TrueAccuracy is { } truth ? CommonOptions.Accuracy(truth) : "   -   "),7}  {child.Aliases,5}  {child.Architecture}");
            Console.WriteLine(strategy.KendallTau is null
                ? "  ranking quality: no ground truth (the spec names no table, or it has fewer than 2 architectures)"
                : $"  ranking quality over {strategy.Probed} ground-truth architectures: Kendall tau {strategy.KendallTau:0.000}, " +
                  $"Spearman rho {strategy.SpearmanRho:0.000}, top-10 overlap " +
                  (strategy.TopOverlap is { } overlap ? $"{overlap:P0}" : "n/a (10 or fewer architectures)") +
                  $"; its best estimate is at the truth's {strategy.Top1Percentile:P0} percentile, its best five at {strategy.Top5Percentile:P0} on average");
        }
        if (Floor(ranking) is { } floor) Console.WriteLine($"\n{floor}");
    }

    /// <summary>What ranks the table without a supernet in this run: the parameter count's, the best zero-cost
    /// estimator's and short training's Kendall tau, the floor a trained supernet must clear. Null when the run scored no
    /// estimator against a ground truth.</summary>
    internal static string? Floor(SearchRanking ranking)
    {
        var free = ranking.Strategies.Where(s => s.Estimator is not null && s.KendallTau is not null).ToArray();
        if (free.Length == 0) return null;
        var parameters = free.FirstOrDefault(s => s.Estimator == "params");
        var best = free.Where(s => s.Estimator is not ("params" or "flops") && EstimatorCatalog.IsZeroCost(s.Estimator!)).MaxBy(s => s.KendallTau);
        var parts = new List<string>();
        if (parameters is not null) parts.Add($"parameter count Kendall tau {parameters.KendallTau:0.000}");
        if (best is not null) parts.Add($"best zero-cost estimator {best.Estimator} {best.KendallTau:0.000}");
        parts.AddRange(free.Where(s => s.Estimator == ShortTraining.Name).Select(s => $"{s.Strategy} (children trained briefly) {s.KendallTau:0.000}"));
        if (parts.Count == 0) parts.AddRange(free.Select(s => $"{s.Estimator} {s.KendallTau:0.000}"));
        var supernets = ranking.Strategies.Where(s => s.Estimator is null && s.KendallTau is not null).ToArray();
        var bar = free.Max(s => s.KendallTau!.Value);
        var verdict = supernets.Length == 0 ? "" : "; " + string.Join(", ", supernets.Select(s =>
            $"{s.Strategy}{(s.Combines is { } members ? $" ({string.Join(" + ", members)})" : "")} {s.KendallTau:0.000} {(s.KendallTau > bar ? "clears it" : "does not clear it")}"));
        return $"floor (no supernet): {string.Join(", ", parts)}{verdict}";
    }
}
