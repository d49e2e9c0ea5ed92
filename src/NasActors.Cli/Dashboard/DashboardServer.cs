using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Plots;
using NasActors.Cli.Reports;
using NasActors.Search;
using NasActors.Search.Spaces;

namespace NasActors.Cli.Dashboard;

/// <summary>The live dashboard a node serves (on loopback unless told otherwise): one page (its script and style inline,
/// nothing fetched from the internet) that follows every run and the workers through server-sent events, a JSON API under
/// /api, and pause/resume/stop actions that need the admin token.</summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public const string PortFlag = "--dashboard-port";

    static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    readonly WebApplication _app;

    DashboardServer(WebApplication app, string url) => (_app, Url) = (app, url);

    /// <summary>Where the dashboard answers, e.g. http://127.0.0.1:8050/.</summary>
    public string Url { get; }

    /// <summary>Serves the dashboard of <paramref name="node"/> (an embedded node, or a cluster's coordinator) on
    /// <paramref name="address"/> (default 127.0.0.1) at <paramref name="port"/> (0: any free port), with the node's
    /// /metrics, /healthz and /readyz (<see cref="Operations.NodeEndpoints"/>); actions must carry <paramref name="adminToken"/>.
    /// A port in use is refused with an error that names it and the flag that changes it. The finished strategies' operation
    /// tables are read from <paramref name="checkpointDirectory"/> (a cluster node's own when not given; none without).</summary>
    public static async Task<DashboardServer> StartAsync(IAdminChannel node, int port, string adminToken, string? checkpointDirectory = null, IPAddress? address = null)
    {
        Operations.NodeEndpoints.CheckPort(port, PortFlag);
        address ??= Operations.NodeEndpoints.DefaultAddress;
        var app = Operations.NodeEndpoints.CreateBuilder(address, port).Build();
        // A stand-in channel (a test's) has no actor system to report on: it serves /metrics alone.
        Operations.NodeEndpoints.Map(app, node switch { NasNode n => n.Health, ClusterNode c => c.Health, _ => null });
        var page = ReadPage();
        var figures = new RunFigures(node, new OperationTables(checkpointDirectory ?? (node as ClusterNode)?.Settings.CheckpointDirectory));

        app.MapGet("/", async () => Results.Content(await PageWithSnapshot(page, node, figures), "text/html; charset=utf-8"));
        app.MapGet("/runs/{id}", async (string id) => !await Exists(node, id)
            ? Results.Content(NotFoundPage(id), "text/html; charset=utf-8", statusCode: 404)
            : Results.Content(await PageWithSnapshot(page, node, figures), "text/html; charset=utf-8"));
        app.MapGet("/api/runs", async () => JsonResult(await Runs(node, figures)));
        app.MapGet("/api/runs/{id}", async (string id) => await Find(node, figures, id) is { } run
            ? JsonResult(run)
            : JsonResult(new { error = $"unknown run '{id}'" }, 404));
        app.MapGet("/api/workers", async () => await Workers(node) is { } workers
            ? JsonResult(workers)
            : JsonResult(new { error = "the trainers and evaluators cannot be listed now (the coordinator is busy or moving): try again" }, 503));
        app.MapPost("/api/runs/{id}/{action}", async (string id, string action, HttpContext context) =>
        {
            if (!Authorized(context.Request, adminToken))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return JsonResult(new { error = "this action needs the admin token: send it as 'Authorization: Bearer TOKEN' (the page asks for it)" }, 401);
            }
            object? command = action switch { "pause" => new PauseSearch(id), "resume" => new ResumeSearch(id), "stop" => new StopSearch(id), _ => null };
            if (command is null) return JsonResult(new { error = $"unknown action '{action}': pause, resume or stop" }, 404);
            if (!await Exists(node, id)) return JsonResult(new { error = $"unknown run '{id}'" }, 404);
            try
            {
                await node.AskAsync<CommandAccepted>(command);
                return JsonResult(new { message = $"search {id}: {action} journaled" });
            }
            catch (NasException e)
            {
                return JsonResult(new { error = e.Message }, 409);
            }
        });
        app.MapGet("/events", async (HttpContext context) =>
        {
            // Server-sent events: the whole picture every second, so a page that reconnects misses nothing.
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(await Snapshot(node, figures), Json)}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            }
        });

        return new DashboardServer(app, await Operations.NodeEndpoints.StartAsync(app, address, port, "dashboard", PortFlag));
    }

    /// <summary>Refuses, before a node joins its cluster, a dashboard port that something else holds.</summary>
    public static void CheckPortFree(int port, IPAddress? address = null) =>
        Operations.NodeEndpoints.CheckPortFree("dashboard", address ?? Operations.NodeEndpoints.DefaultAddress, port, PortFlag);

    static IResult JsonResult(object value, int status = 200) => Results.Text(JsonSerializer.Serialize(value, Json), "application/json", statusCode: status);

    /// <summary>A bearer token equal to the admin token (compared in constant time).</summary>
    static bool Authorized(HttpRequest request, string adminToken)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (adminToken.Length == 0 || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(adminToken));
    }

    /// <summary>What the page shows: every run, and the trainers and evaluators (null when they cannot be listed now).</summary>
    static async Task<DashboardView> Snapshot(IAdminChannel node, RunFigures figures) => new(await Runs(node, figures), await Workers(node));

    static async Task<NodeList?> Workers(IAdminChannel node)
    {
        try
        {
            return await node.AskAsync<NodeList>(ListNodes.Instance);
        }
        catch (NasException)
        {
            return null;
        }
    }

    /// <summary>Every run with its status, top 10 per strategy (with ranking quality when it has a ground truth) and figures.</summary>
    static async Task<IReadOnlyList<RunView>> Runs(IAdminChannel node, RunFigures figures)
    {
        var list = await node.AskAsync<SearchList>(ListSearches.Instance);
        var runs = new List<RunView>();
        foreach (var status in list.Searches)
            runs.Add(await View(node, figures, status));
        return runs;
    }

    /// <summary>Whether the node knows the run: what a page of it or an action needs first, without its ranking and figures.</summary>
    static async Task<bool> Exists(IAdminChannel node, string id) =>
        (await node.AskAsync<SearchList>(ListSearches.Instance)).Searches.Any(s => s.SearchId == id);

    static async Task<RunView?> Find(IAdminChannel node, RunFigures figures, string id)
    {
        var list = await node.AskAsync<SearchList>(ListSearches.Instance);
        var status = list.Searches.FirstOrDefault(s => s.SearchId == id);
        return status is null ? null : await View(node, figures, status);
    }

    static async Task<RunView> View(IAdminChannel node, RunFigures figures, SearchStatus status)
    {
        var svg = await figures.Of(status);  // first: it learns the run's spec, which the operation tables and cells need
        var ranking = await Ranking(node, status.SearchId);
        return new RunView(status, ranking, svg, figures.OperationsOf(status), figures.CellsOf(status, ranking));
    }

    static async Task<SearchRanking?> Ranking(IAdminChannel node, string id)
    {
        try
        {
            return await node.AskAsync<SearchRanking>(new GetRanking(id, 10));
        }
        catch (NasException)
        {
            return null;  // e.g. its ground-truth table is unreadable: the status still shows
        }
    }

    /// <summary>The page with the current picture inlined ("&lt;/" escaped, so no value can close the script).</summary>
    static async Task<string> PageWithSnapshot(string page, IAdminChannel node, RunFigures figures) =>
        page.Replace("/*INITIAL*/null", JsonSerializer.Serialize(await Snapshot(node, figures), Json).Replace("</", "<\\/"));

    static string ReadPage()
    {
        using var stream = typeof(DashboardServer).Assembly.GetManifestResourceStream("dashboard.html")
                           ?? throw new InvalidOperationException("the dashboard page is missing from the build");
        return new StreamReader(stream).ReadToEnd();
    }

    static string NotFoundPage(string id) =>
        $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><title>Unknown run</title></head>
        <body style="font-family: sans-serif; margin: 2em;">
        <h1>No run '{WebUtility.HtmlEncode(id)}'</h1>
        <p>This node knows no search with that id. <a href="/">Back to every run</a>.</p>
        </body></html>
        """;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A run as the dashboard shows it; <paramref name="Figures"/> is inline SVG (training curves, evolution,
    /// estimate against true accuracy), made by the server; <paramref name="Operations"/>, per finished strategy, how much
    /// each operation of its supernet was trained; <paramref name="Cells"/>, per architecture on a leaderboard or best of a
    /// strategy, its picture (<see cref="CellPicture"/>, inline SVG), null before the run's spec is known.</summary>
    public sealed record RunView(SearchStatus Status, SearchRanking? Ranking, string? Figures,
                                 IReadOnlyDictionary<string, OperationView>? Operations = null,
                                 IReadOnlyDictionary<string, string>? Cells = null);

    public sealed record DashboardView(IReadOnlyList<RunView> Runs, NodeList? Workers);

    /// <summary>Each run's figures, drawn again only when its progress changed (an export reads every evaluation).</summary>
    sealed class RunFigures(IAdminChannel node, OperationTables operations)
    {
        readonly ConcurrentDictionary<string, (string Version, string? Svg)> _drawn = new();
        readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, double>?> _truths = new();
        readonly ConcurrentDictionary<string, string> _specs = new();
        readonly ConcurrentDictionary<string, IChoiceSpace> _spaces = new();

        /// <summary>The pictures of the run's leaderboard cells and best cells, once <see cref="Of"/> has read its spec;
        /// empty for a space that <see cref="CellPicture"/> cannot draw.</summary>
        public IReadOnlyDictionary<string, string>? CellsOf(SearchStatus status, SearchRanking? ranking)
        {
            if (_specs.GetValueOrDefault(status.SearchId) is not { } spec) return null;
            var space = _spaces.GetOrAdd(status.SearchId, _ => SearchSpaces.Get(SearchSpec.Parse(spec, $"spec of {status.SearchId}").Space));
            var architectures = status.Strategies.Select(s => s.BestArchitecture)
                .Concat(ranking?.Strategies.SelectMany(r => r.Leaderboard.Select(c => c.Architecture)) ?? []);
            var cells = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var architecture in architectures)
                if (architecture is not null && !cells.ContainsKey(architecture) && CellPicture.Of(space, architecture) is { } svg)
                    cells[architecture] = svg;
            return cells;
        }

        /// <summary>The run's operation tables, once <see cref="Of"/> has read its spec.</summary>
        public IReadOnlyDictionary<string, OperationView>? OperationsOf(SearchStatus status) =>
            operations.Of(status, _specs.GetValueOrDefault(status.SearchId));

        public async Task<string?> Of(SearchStatus status)
        {
            var version = string.Join(";", status.Strategies.Select(s =>
                $"{s.CheckpointStep},{s.Trained},{s.EvaluationsCompleted},{s.EvaluationsFailed},{s.EvaluationsPending},{s.ProbesCompleted}")) + status.Phase;
            if (_drawn.TryGetValue(status.SearchId, out var drawn) && drawn.Version == version) return drawn.Svg;
            string? svg;
            try
            {
                var export = await node.AskAsync<SearchExport>(new ExportSearch(status.SearchId));
                _specs[status.SearchId] = export.Spec;
                var truth = _truths.GetOrAdd(export.Spec, spec => SearchReport.GroundTruthOf(spec, $"spec of {status.SearchId}"));
                svg = string.Concat(SearchReport.TrainingCurves(export), SearchReport.EvolutionCurve(export),
                                    truth is null ? null : SearchReport.EstimateScatter(export, truth),
                                    truth is null ? null : SearchReport.TauOverTraining(export, truth));
            }
            catch (NasException)
            {
                return drawn.Svg;  // not answerable now (a run recovering): the last figures stand
            }
            _drawn[status.SearchId] = (version, svg);
            return svg;
        }
    }
}
