using System.CommandLine;
using System.Net;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Telemetry;
using NasActors.Cli.Operations;
using NasActors.Search;

namespace NasActors.Cli.Commands;

/// <summary><c>nas node</c>: without <c>--roles</c>, an embedded node with every role in one process (SQLite journal,
/// CPU) that continues every unfinished search in its journal; with <c>--roles</c>, an Akka.Cluster node
/// (coordinator, trainer, evaluator) that joins the cluster at <c>--seed-nodes</c>. Both run until stopped
/// (Ctrl+C, SIGTERM), or with <c>--until-idle</c> until no search is left running.</summary>
internal static class NodeCommand
{
    static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        // No defaults here: what a flag leaves out comes from hocon/node.conf (or --config).
        var config = new Option<string?>("--config") { Description = "node configuration read over hocon/node.conf (nas.node { devices, evaluators, state-dir, journal, poll }, nas.admin.token)" };
        var stateDirectory = new Option<string?>("--state-dir") { Description = $"the node's checkpoints (shared by a cluster's nodes), and its journal unless --journal names one (default {SearchCommands.DefaultStateDirectory}; a cluster node: {AdminToken.DefaultClusterStateDirectory})" };
        var journal = SearchCommands.Journal();
        var trainers = new Option<int?>("--trainers") { Description = "N trainer actors on the CPU, instead of the configuration's devices (default: cpu, cpu)" };
        var evaluators = new Option<int?>("--evaluators") { Description = "evaluator actors (default 1)" };
        var untilIdle = new Option<bool>("--until-idle") { Description = "exit once no search is running (a coordinator or embedded node)" };
        var poll = new Option<double?>("--poll") { Description = "seconds between progress reports (default 10)" };
        var roles = new Option<string?>("--roles") { Description = "cluster roles, comma-separated: coordinator, trainer, evaluator (without it: an embedded node with every role)" };
        var hostname = new Option<string>("--hostname") { Description = "the address this cluster node listens on and others reach it at", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "this cluster node's port (0: any free port)", DefaultValueFactory = _ => 4053 };
        var seedNodes = new Option<string?>("--seed-nodes") { Description = "HOST:PORT of the nodes to join, comma-separated (a coordinator without it founds the cluster)" };
        var devices = new Option<string[]>("--device") { Description = "a cluster node's devices, cpu or cuda:N (repeat, or comma-separate, for several): a trainer on each; evaluators score on the first", AllowMultipleArgumentsPerToken = true };
        var token = SearchCommands.Token();
        var logLevel = new Option<string?>("--log-level") { Description = "the node's log level: DEBUG, INFO, WARNING, ERROR (default nas.node.log-level, WARNING)" };
        logLevel.AcceptOnlyFromAmong("DEBUG", "INFO", "WARNING", "ERROR");
        var logFormat = new Option<string?>("--log-format") { Description = "the node's log lines: text, or json (one JSON object a line, with node, search id and strategy; default nas.node.log-format, text)" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var dashboardPort = new Option<int?>("--dashboard-port") { Description = "a coordinator's live dashboard, with /metrics, /healthz and /readyz (0: any free port; default nas.dashboard.port, 8050)" };
        var metricsPort = new Option<int>(MetricsServer.PortFlag) { Description = "a node without a dashboard (trainer, evaluator, embedded) serves /metrics, /healthz and /readyz here (0: any free port, the default)" };
        var httpAddress = new Option<string?>("--http-address") { Description = "the address the dashboard and metrics endpoints listen on: 127.0.0.1 (default), or 0.0.0.0 in a container" };
        var tensorBoard = new Option<string?>("--tensorboard") { Description = "write TensorBoard event files of every search the node runs here (over each spec's training.tensorboard; a cluster: on the coordinator; docs/tensorboard.md)" };
        var tls = new CertificateOptions();
        var command = new Command("node", "run a node: embedded (every role, SQLite journal, CPU), or with --roles a cluster node")
        {
            config, stateDirectory, journal, trainers, evaluators, untilIdle, poll, roles, hostname, port, seedNodes, devices, token, logLevel, logFormat,
            dashboardPort, metricsPort, httpAddress, tensorBoard,
        };
        tls.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            NodeEndpoints.ListenToMeter();
            var configured = NodeConfig.Load(parsed.GetValue(config));
            configured = configured with
            {
                LogLevel = parsed.GetValue(logLevel) ?? configured.LogLevel, LogFormat = parsed.GetValue(logFormat) ?? configured.LogFormat,
            };
            NodeLogging.Use(NodeLogging.ParseFormat(configured.LogFormat), parsed.GetValue(roles) is null ? "embedded" : $"{parsed.GetValue(hostname)}:{parsed.GetValue(port)}");
            var clusterRoles = parsed.GetValue(roles);
            var deviceList = (parsed.GetValue(devices) ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            configured = configured with
            {
                Devices = deviceList.Length > 0 ? deviceList
                    : parsed.GetValue(trainers) is { } count ? Enumerable.Repeat("cpu", CommonOptions.Positive("--trainers", count)).ToArray() : configured.Devices,
                Evaluators = parsed.GetValue(evaluators) is { } e ? CommonOptions.Positive("--evaluators", e) : configured.Evaluators,
                StateDirectory = parsed.GetValue(stateDirectory) ?? (clusterRoles is null ? configured.StateDirectory : AdminToken.DefaultClusterStateDirectory),
                Journal = parsed.GetValue(journal) ?? configured.Journal,
                PollSeconds = parsed.GetValue(poll) ?? configured.PollSeconds,
            };
            var endpoint = new Endpoint(NodeEndpoints.ParseAddress(parsed.GetValue(httpAddress)), parsed.GetValue(metricsPort));
            if (clusterRoles is null)
            {
                foreach (var clusterOnly in new Option[] { hostname, seedNodes, devices, token, dashboardPort, tls.Certificate, tls.PasswordFile })
                    if (parsed.GetResult(clusterOnly) is { Implicit: false })
                        throw new NasException($"{clusterOnly.Name} is for cluster nodes: add --roles (e.g. --roles trainer,evaluator)");
                endpoint.CheckMetricsPortFree();
                return await RunEmbedded(configured, CommonOptions.TensorBoardFolder(parsed.GetValue(tensorBoard)), endpoint, parsed.GetValue(untilIdle), cancellation);
            }
            var settings = new ClusterNodeSettings(
                ClusterNodeSettings.ParseRoles(clusterRoles), parsed.GetValue(hostname)!, parsed.GetValue(port),
                (parsed.GetValue(seedNodes) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => NodeAddress.Parse(s, "seed-node")).ToArray(),
                configured.Devices, configured.Evaluators, Path.Combine(configured.StateDirectory, "checkpoints"), configured.ToSettings().Journal,
                AdminToken: "", configured.LogLevel, tls.ForNode(parsed, parsed.GetValue(config)), CommonOptions.TensorBoardFolder(parsed.GetValue(tensorBoard)));
            settings.Validate();  // before the token file is made: a refused node writes nothing
            int? dashboard = null;
            if (settings.Has(ClusterNodeSettings.CoordinatorRole))
            {
                if (parsed.GetResult(metricsPort) is { Implicit: false })
                    throw new NasException($"{MetricsServer.PortFlag} is for nodes without a dashboard: a coordinator serves /metrics, /healthz and /readyz on its --dashboard-port");
                dashboard = parsed.GetValue(dashboardPort) ?? ClusterNode.ConfiguredDashboardPort(parsed.GetValue(config));
                Dashboard.DashboardServer.CheckPortFree(dashboard.Value, endpoint.Address);
                settings = settings with { AdminToken = AdminToken.ForNode(parsed.GetValue(token), parsed.GetValue(config), configured.StateDirectory) };
            }
            else if (settings.TensorBoard is not null)
                throw new NasException("--tensorboard is for a coordinator (or an embedded node): the coordinator tells every trainer where to write");
            else if (parsed.GetResult(dashboardPort) is { Implicit: false })
                throw new NasException($"--dashboard-port is for a coordinator node: the coordinator serves the dashboard (this node serves /metrics on {MetricsServer.PortFlag})");
            else endpoint.CheckMetricsPortFree();
            return await RunCluster(settings, configured, dashboard, endpoint, parsed.GetValue(untilIdle), cancellation);
        });
        return command;
    }

    /// <summary>Where the node's HTTP endpoints listen: the address for all of them, the port for a node without a dashboard.</summary>
    sealed record Endpoint(IPAddress Address, int MetricsPort)
    {
        public void CheckMetricsPortFree() => NodeEndpoints.CheckPortFree("metrics endpoint", Address, MetricsPort, MetricsServer.PortFlag);

        public async Task<MetricsServer> StartAsync(NodeHealth health)
        {
            var server = await MetricsServer.StartAsync(health, Address, MetricsPort);
            Announce(server.Url);
            return server;
        }

        /// <summary>The line <c>nas cluster up</c> and the tests read a node's endpoints from.</summary>
        public static void Announce(string baseUrl) => Console.WriteLine($"metrics: {baseUrl}metrics (health: {baseUrl}healthz, {baseUrl}readyz)");
    }

    static async Task<int> RunEmbedded(NodeConfig configured, string? tensorBoard, Endpoint endpoint, bool untilIdle, CancellationToken cancellation)
    {
        var settings = configured.ToSettings() with { TensorBoard = tensorBoard };
        await using var node = NasNode.Start(settings);
        await using var metrics = await endpoint.StartAsync(node.Health);
        Console.WriteLine($"node running on {configured.StateDirectory} with {settings.Devices.Count} trainers ({string.Join(", ", settings.Devices)}) and {settings.Evaluators} evaluators on {settings.EvaluatorDevice}; " +
                          "Ctrl+C stops it (searches resume at the next start)");
        await ReportUntilStopped(command => node.AskAsync<SearchList>(command), configured.PollSeconds, untilIdle, cancellation);
        return 0;
    }

    static async Task<int> RunCluster(ClusterNodeSettings settings, NodeConfig configured, int? dashboardPort, Endpoint endpoint, bool untilIdle, CancellationToken cancellation)
    {
        await using var node = await ClusterNode.StartAsync(settings, JoinTimeout);
        NodeLogging.Node = $"{settings.Hostname}:{node.Address.Port}";
        var what = new List<string> { $"roles {string.Join(",", settings.Roles)}" };
        if (settings.Has(ClusterNodeSettings.TrainerRole)) what.Add($"devices {string.Join(",", settings.Devices)}");
        if (settings.Has(ClusterNodeSettings.EvaluatorRole)) what.Add($"evaluators {settings.Evaluators} on {settings.EvaluatorDevice}");
        Console.WriteLine($"node {node.Address} up ({string.Join("; ", what)}); checkpoints in {settings.CheckpointDirectory}");
        if (settings.Has(ClusterNodeSettings.CoordinatorRole))
        {
            await using var dashboard = await Dashboard.DashboardServer.StartAsync(node, dashboardPort!.Value, settings.AdminToken, settings.CheckpointDirectory, endpoint.Address);
            Console.WriteLine($"dashboard: {dashboard.Url}");
            Endpoint.Announce(dashboard.Url);
            Console.WriteLine($"admin token: {AdminToken.Describe(configured.StateDirectory)}; " +
                              $"./nas console --connect {settings.Hostname}:{node.Address.Port}" +
                              (settings.Certificate is { } certificate ? $" --certificate {certificate.Path}" : "") + " administers the cluster");
            await ReportUntilStopped(command => node.AskAsync<SearchList>(command, TimeSpan.FromSeconds(10)), configured.PollSeconds, untilIdle, cancellation);
        }
        else
        {
            await using var metrics = await endpoint.StartAsync(node.Health);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("node leaving the cluster");
            }
        }
        return 0;
    }

    /// <summary>How long <c>--until-idle</c> waits for an answer from the search manager (polling meanwhile) before it
    /// gives up: long enough for a coordinator to move or a journal to come back, short enough that a script ends.</summary>
    internal static readonly TimeSpan UntilIdlePatience = TimeSpan.FromMinutes(5);

    /// <summary>Prints the running searches every <paramref name="pollSeconds"/> until stopped (or idle, if asked). Unanswered
    /// polls are reported and tried again; with <paramref name="untilIdle"/>, none answered for <paramref name="patience"/>
    /// (default <see cref="UntilIdlePatience"/>) ends it with an error rather than waiting for ever.</summary>
    internal static async Task ReportUntilStopped(Func<ListSearches, Task<SearchList>> list, double pollSeconds, bool untilIdle, CancellationToken cancellation,
                                                  TimeSpan? patience = null)
    {
        var giveUpAfter = patience ?? UntilIdlePatience;
        var sinceAnswer = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.1, pollSeconds)), cancellation);
                SearchList searches;
                string problem;
                try
                {
                    searches = await list(ListSearches.Instance);
                    sinceAnswer.Restart();
                    foreach (var search in searches.Searches.Where(s => s.Phase == RunPhase.Running)) SearchCommands.PrintStatus(search);
                    if (untilIdle && searches.Searches.All(s => s.Phase != RunPhase.Running)) break;
                    continue;
                }
                catch (Akka.Actor.AskTimeoutException)
                {
                    problem = "no answer from the search manager yet (recovering, or the coordinator is moving)";
                }
                catch (NasException e)
                {
                    // A run that cannot answer now (its journal is down and it is backing off) must not stop the node.
                    problem = e.Message;
                }
                Console.WriteLine($"searches: {problem}");
                if (untilIdle && sinceAnswer.Elapsed >= giveUpAfter)
                    throw new NasException($"--until-idle: the search manager has not answered for {sinceAnswer.Elapsed.TotalSeconds:0} s (last: {problem}); " +
                                           "check that the journal is reachable, then start the node again (its searches resume where their journal ends)");
            }
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("node stopping");
        }
    }
}
