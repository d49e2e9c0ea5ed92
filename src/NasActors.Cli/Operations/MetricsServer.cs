using System.Net;
using Microsoft.AspNetCore.Builder;
using NasActors.Actors.Cluster;

namespace NasActors.Cli.Operations;

/// <summary>The endpoints of a node without a dashboard (a trainer or evaluator node, an embedded <c>nas node</c>):
/// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> on its metrics port (<see cref="NodeEndpoints"/>).</summary>
internal sealed class MetricsServer : IAsyncDisposable
{
    public const string PortFlag = "--metrics-port";

    readonly WebApplication _app;

    MetricsServer(WebApplication app, string url) => (_app, Url) = (app, url);

    /// <summary>Its base URL, e.g. http://127.0.0.1:9464/.</summary>
    public string Url { get; }

    public static async Task<MetricsServer> StartAsync(NodeHealth health, IPAddress address, int port)
    {
        NodeEndpoints.CheckPort(port, PortFlag);
        var app = NodeEndpoints.CreateBuilder(address, port).Build();
        NodeEndpoints.Map(app, health);
        return new MetricsServer(app, await NodeEndpoints.StartAsync(app, address, port, "metrics endpoint", PortFlag));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
