using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Search;

namespace NasActors.Cli.Dashboard;

/// <summary>The live dashboard a node serves on loopback: one page (its script and style inline, nothing fetched from
/// the internet) that follows every run through server-sent events, and a JSON API under /api.</summary>
public sealed class DashboardServer : IAsyncDisposable
{
    static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    readonly WebApplication _app;

    DashboardServer(WebApplication app, string url) => (_app, Url) = (app, url);

    /// <summary>Where the dashboard answers, e.g. http://127.0.0.1:8050/.</summary>
    public string Url { get; }

    /// <summary>Serves the dashboard of <paramref name="node"/> on 127.0.0.1:<paramref name="port"/> (0: any free port).
    /// A port in use is refused with an error that names it and the flag that changes it.</summary>
    public static async Task<DashboardServer> StartAsync(NasNode node, int port)
    {
        if (port is < 0 or > 65535) throw new NasException($"--dashboard-port {port} is not a port: use 1 to 65535, or 0 for any free port");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var page = ReadPage();

        app.MapGet("/", async () => Results.Content(await PageWithSnapshot(page, node), "text/html; charset=utf-8"));
        app.MapGet("/runs/{id}", async (string id) => await Find(node, id) is null
            ? Results.Content(NotFoundPage(id), "text/html; charset=utf-8", statusCode: 404)
            : Results.Content(await PageWithSnapshot(page, node), "text/html; charset=utf-8"));
        app.MapGet("/api/runs", async () => Results.Text(JsonSerializer.Serialize(await Snapshot(node), Json), "application/json"));
        app.MapGet("/api/runs/{id}", async (string id) => await Find(node, id) is { } run
            ? Results.Text(JsonSerializer.Serialize(run, Json), "application/json")
            : Results.Text(JsonSerializer.Serialize(new { error = $"unknown run '{id}'" }), "application/json", statusCode: 404));
        app.MapGet("/events", async (HttpContext context) =>
        {
            // Server-sent events: the whole picture every second, so a page that reconnects misses nothing.
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(await Snapshot(node), Json)}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            }
        });

        try
        {
            await app.StartAsync();
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync();
            throw new NasException($"the dashboard's port {port} on 127.0.0.1 is in use; choose another with --dashboard-port N (0 picks a free one)");
        }
        var bound = app.Urls.Select(u => new Uri(u)).First();
        return new DashboardServer(app, $"http://127.0.0.1:{bound.Port}/");
    }

    /// <summary>Every run with its status and top 10 per strategy (with ranking quality when it has a ground truth).</summary>
    static async Task<IReadOnlyList<RunView>> Snapshot(NasNode node)
    {
        var list = await node.AskAsync<SearchList>(ListSearches.Instance);
        var runs = new List<RunView>();
        foreach (var status in list.Searches)
            runs.Add(new RunView(status, await Ranking(node, status.SearchId)));
        return runs;
    }

    static async Task<RunView?> Find(NasNode node, string id)
    {
        var list = await node.AskAsync<SearchList>(ListSearches.Instance);
        var status = list.Searches.FirstOrDefault(s => s.SearchId == id);
        return status is null ? null : new RunView(status, await Ranking(node, id));
    }

    static async Task<SearchRanking?> Ranking(NasNode node, string id)
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
    static async Task<string> PageWithSnapshot(string page, NasNode node) =>
        page.Replace("/*INITIAL*/null", JsonSerializer.Serialize(await Snapshot(node), Json).Replace("</", "<\\/"));

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

    /// <summary>A run as the dashboard shows it.</summary>
    public sealed record RunView(SearchStatus Status, SearchRanking? Ranking);
}
