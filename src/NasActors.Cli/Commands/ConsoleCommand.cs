using System.CommandLine;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Search;

namespace NasActors.Cli.Commands;

/// <summary><c>nas console --connect HOST:PORT</c>: an admin shell on a cluster (through ClusterClient and the
/// receptionist), and <c>nas nodes --connect HOST:PORT</c>, its <c>nodes</c> command one-shot. Lines are read from
/// the terminal with a prompt, or from a pipe without one (scripts).</summary>
internal static class ConsoleCommand
{
    const string Help = """
        commands:
          list                      every search with its phase and progress
          status ID                 one search, per strategy
          watch ID [SECONDS]        status again every SECONDS (default 2) until the search ends; Enter stops watching
          top ID [K]                leaderboards and ranking quality (top K, default 10)
          start SPEC.conf           start a search from a spec file
          pause ID | resume ID | stop ID
          nodes                     members, roles, devices, what each trainer and evaluator is doing
          history                   the commands of this session; !N runs number N again
          help | exit
        """;

    public static Command Create()
    {
        var connect = new Option<string>("--connect") { Description = "HOST:PORT of a cluster node", Required = true };
        var token = SearchCommands.Token();
        var tls = new CertificateOptions();
        var command = new Command("console", "an interactive admin shell on a cluster (./nas console --connect 127.0.0.1:4053)") { connect, token };
        tls.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            await using var cluster = await ClusterAdminClient.ConnectAsync(NodeAddress.Parse(parsed.GetValue(connect)!, "--connect"),
                                                                            AdminToken.ForClient(parsed.GetValue(token)), certificate: tls.ForClient(parsed));
            return await Shell(cluster, parsed.GetValue(connect)!, cancellation);
        });
        return command;
    }

    public static Command Nodes()
    {
        var connect = new Option<string>("--connect") { Description = "HOST:PORT of a cluster node", Required = true };
        var token = SearchCommands.Token();
        var tls = new CertificateOptions();
        var command = new Command("nodes", "the cluster's members, roles and devices, and what each trainer and evaluator is doing") { connect, token };
        tls.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            await using var cluster = await ClusterAdminClient.ConnectAsync(NodeAddress.Parse(parsed.GetValue(connect)!, "--connect"),
                                                                            AdminToken.ForClient(parsed.GetValue(token)), certificate: tls.ForClient(parsed));
            PrintNodes(await cluster.AskAsync<NodeList>(ListNodes.Instance));
            return 0;
        });
        return command;
    }

    static async Task<int> Shell(IAdminChannel cluster, string address, CancellationToken cancellation)
    {
        var interactive = !Console.IsInputRedirected;
        var history = new List<string>();
        var searchIds = new SearchIds(cluster);
        if (interactive) Console.WriteLine($"connected to {address}; 'help' lists the commands; Tab completes, Up/Down recall");
        var failures = 0;
        while (!cancellation.IsCancellationRequested)
        {
            if (interactive) searchIds.Refresh();
            var line = interactive ? LineEditor.ReadLine("nas> ", history, (before, word) => Completions(before, word, searchIds.Known)) : Console.ReadLine();
            if (line is null) break;
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('!') && int.TryParse(line[1..], out var number))
            {
                if (number < 1 || number > history.Count)
                {
                    Console.Error.WriteLine($"error: no command {number} in the history (1 to {history.Count})");
                    continue;
                }
                line = history[number - 1];
                Console.WriteLine(line);
            }
            if (line is "exit" or "quit") break;
            if (line != "history") history.Add(line);
            try
            {
                await Execute(cluster, line.Split(' ', StringSplitOptions.RemoveEmptyEntries), history, cancellation);
            }
            catch (NasException e)
            {
                failures++;
                Console.Error.WriteLine($"error: {e.Message}");
            }
        }
        // A script's exit code says whether every command went through.
        return interactive || failures == 0 ? 0 : Program.UsageError;
    }

    static readonly string[] CommandNames = ["list", "status", "watch", "top", "start", "pause", "resume", "stop", "nodes", "history", "help", "exit"];

    /// <summary>What Tab offers: a command first; then a search id, or for <c>start</c> a spec file.</summary>
    internal static IEnumerable<string> Completions(string[] before, string word, IReadOnlyList<string> searchIds) => before switch
    {
        [] => CommandNames,
        ["status" or "watch" or "top" or "pause" or "resume" or "stop"] => searchIds,
        ["start"] => SpecFiles(word),
        _ => [],
    };

    /// <summary>Folders (with a trailing /) and .conf files in the folder that <paramref name="word"/> names so far.</summary>
    static IEnumerable<string> SpecFiles(string word)
    {
        var slash = word.LastIndexOf('/');
        var folder = slash < 0 ? "" : word[..(slash + 1)];
        var path = folder.Length == 0 ? "." : folder;
        if (!Directory.Exists(path)) return [];
        return Directory.EnumerateDirectories(path).Select(d => folder + Path.GetFileName(d) + "/")
            .Concat(Directory.EnumerateFiles(path, "*.conf").Select(f => folder + Path.GetFileName(f)));
    }

    /// <summary>The searches' ids, for completion, refreshed in the background so that a cluster slow to answer never
    /// holds up the prompt; until an answer comes, the last ones known.</summary>
    sealed class SearchIds(IAdminChannel cluster)
    {
        Task? _refreshing;

        public volatile IReadOnlyList<string> Known = [];

        public void Refresh()
        {
            if (_refreshing is { IsCompleted: false }) return;
            _refreshing = Task.Run(async () =>
            {
                try
                {
                    Known = (await cluster.AskAsync<SearchList>(ListSearches.Instance)).Searches.Select(s => s.SearchId).ToArray();
                }
                catch (NasException)
                {
                }
            });
        }
    }

    static async Task Execute(IAdminChannel cluster, string[] words, List<string> history, CancellationToken cancellation)
    {
        string Id() => words.Length >= 2 ? words[1] : throw new NasException($"{words[0]} needs a search id: {words[0]} ID (list shows them)");
        switch (words[0])
        {
            case "help":
                Console.WriteLine(Help);
                break;
            case "history":
                for (var i = 0; i < history.Count; i++) Console.WriteLine($"{i + 1,4}  {history[i]}");
                break;
            case "list":
                var list = await cluster.AskAsync<SearchList>(ListSearches.Instance);
                if (list.Searches.Count == 0) Console.WriteLine("no searches yet: start SPEC.conf");
                foreach (var search in list.Searches) SearchCommands.PrintStatus(search);
                break;
            case "status":
                SearchCommands.PrintStatus(await cluster.AskAsync<SearchStatus>(new GetSearchStatus(Id())));
                break;
            case "watch":
                await Watch(cluster, Id(), words.Length >= 3 && double.TryParse(words[2], System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : 2, cancellation);
                break;
            case "top":
                var k = words.Length >= 3 ? (int.TryParse(words[2], out var parsed) && parsed > 0 ? parsed : throw new NasException($"K must be a positive whole number, got '{words[2]}'")) : 10;
                SearchCommands.PrintRanking(await cluster.AskAsync<SearchRanking>(new GetRanking(Id(), k)));
                break;
            case "start":
                var spec = SearchSpec.Load(words.Length >= 2 ? words[1] : throw new NasException("start needs a spec file: start hocon/searches/demo.conf"));
                Console.WriteLine((await cluster.AskAsync<SearchCreated>(new CreateSearch(spec.Text, spec.Training.Threads))).SearchId);
                break;
            case "pause" or "resume" or "stop":
                object command = words[0] switch { "pause" => new PauseSearch(Id()), "resume" => new ResumeSearch(Id()), _ => new StopSearch(Id()) };
                await cluster.AskAsync<CommandAccepted>(command);
                Console.WriteLine($"search {Id()}: {words[0]} journaled");
                break;
            case "nodes":
                PrintNodes(await cluster.AskAsync<NodeList>(ListNodes.Instance));
                break;
            default:
                throw new NasException($"unknown command '{words[0]}': 'help' lists the commands");
        }
    }

    /// <summary>The live progress view: the run's status redrawn until it ends, Enter is pressed, or Ctrl+C.</summary>
    static async Task Watch(IAdminChannel cluster, string id, double seconds, CancellationToken cancellation)
    {
        var redraw = !Console.IsOutputRedirected;
        while (!cancellation.IsCancellationRequested)
        {
            var status = await cluster.AskAsync<SearchStatus>(new GetSearchStatus(id));
            if (redraw) Console.Clear();
            Console.WriteLine($"{DateTime.Now:HH:mm:ss}  (Enter stops watching)");
            SearchCommands.PrintStatus(status);
            if (status.Phase is not RunPhase.Running) return;
            var deadline = DateTime.UtcNow.AddSeconds(Math.Max(0.2, seconds));
            while (DateTime.UtcNow < deadline)
            {
                if (!Console.IsInputRedirected && Console.KeyAvailable && Console.ReadKey(intercept: true).Key == ConsoleKey.Enter) return;
                await Task.Delay(100, cancellation);
            }
        }
    }

    internal static void PrintNodes(NodeList nodes)
    {
        Console.WriteLine($"{"member",-36} {"status",-8} roles");
        foreach (var member in nodes.Members.OrderBy(m => m.Address, StringComparer.Ordinal))
            Console.WriteLine($"{member.Address,-36} {member.Status,-8} {string.Join(",", member.Roles)}");
        Console.WriteLine();
        Console.WriteLine($"{"trainer on",-36} {"device",-8} job");
        foreach (var trainer in nodes.Trainers.OrderBy(t => t.Node, StringComparer.Ordinal))
            Console.WriteLine($"{trainer.Node,-36} {trainer.Device,-8} {(trainer.Job is { } job ? $"training {job.SearchId}/{job.Strategy}" : "idle")}");
        Console.WriteLine();
        Console.WriteLine($"{"evaluator on",-36} {"device",-8} evaluation");
        foreach (var evaluator in nodes.Evaluators.OrderBy(e => e.Node, StringComparer.Ordinal))
            Console.WriteLine($"{evaluator.Node,-36} {evaluator.Device,-8} {evaluator.Evaluation ?? "idle"}");
    }
}
