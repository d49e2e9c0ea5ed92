using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NasActors.Actors.Cluster;
using NasActors.Actors.Telemetry;
using NasActors.Search;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace NasActors.Cli.Operations;

/// <summary>What every node serves over HTTP, on its dashboard's port or on its metrics port: <c>/metrics</c> (the
/// NasActors meter in Prometheus's text format), <c>/healthz</c> (the actor system is up) and <c>/readyz</c> (every
/// check of <see cref="NodeHealth"/> passed; 503 with the failing ones otherwise).</summary>
internal static class NodeEndpoints
{
    /// <summary>Where the endpoints listen unless <c>--http-address</c> says otherwise: this machine only.</summary>
    public static readonly IPAddress DefaultAddress = IPAddress.Loopback;

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The process's one meter provider. It hears only what is recorded after it exists: a command makes it
    /// (<see cref="ListenToMeter"/>) before its node starts, so that the node's first events are counted, and every
    /// endpoint of the process exports it.</summary>
    static readonly Lazy<MeterProvider> Provider = new(() => Sdk.CreateMeterProviderBuilder()
        .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("nas"))
        .AddMeter(NasMetrics.MeterName)
        .AddPrometheusExporter()
        .Build());

    public static void ListenToMeter() => _ = Provider.Value;

    /// <summary>A web host on <paramref name="address"/>:<paramref name="port"/>, with neither the web host's logging nor
    /// its handling of signals (the command owns SIGTERM and Ctrl+C).</summary>
    public static WebApplicationBuilder CreateBuilder(IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(address, port));
        return builder;
    }

    /// <summary>Maps /metrics, and /healthz and /readyz when the node's <paramref name="health"/> is known.</summary>
    public static void Map(WebApplication app, NodeHealth? health)
    {
        app.MapPrometheusScrapingEndpoint("/metrics", Provider.Value, configureBranchedPipeline: null, optionsName: null);
        if (health is null) return;
        app.MapGet("/healthz", () => health.IsAlive
            ? Results.Text("ok\n", "text/plain")
            : Results.Text("the actor system has terminated\n", "text/plain", statusCode: 503));
        app.MapGet("/readyz", async () =>
        {
            var readiness = await health.CheckAsync();
            var body = JsonSerializer.Serialize(new { ready = readiness.Ready, checks = readiness.Checks }, Json);
            return Results.Text(body, "application/json", statusCode: readiness.Ready ? 200 : 503);
        });
    }

    /// <summary>Starts the host and returns its base URL (http://ADDRESS:PORT/). A port in use is refused with an error
    /// that names it and <paramref name="flag"/>, the option that changes it.</summary>
    public static async Task<string> StartAsync(WebApplication app, IPAddress address, int port, string what, string flag)
    {
        try
        {
            await app.StartAsync();
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync();
            throw PortInUse(what, address, port, flag);
        }
        var bound = app.Urls.Select(u => new Uri(u)).First();
        return $"http://{address}:{bound.Port}/";
    }

    /// <summary>Refuses, before a node joins its cluster, a port that something else holds.</summary>
    public static void CheckPortFree(string what, IPAddress address, int port, string flag)
    {
        CheckPort(port, flag);
        if (port != 0 && !LoopbackPorts.IsFree(port, address)) throw PortInUse(what, address, port, flag);
    }

    public static void CheckPort(int port, string flag)
    {
        if (port is < 0 or > 65535) throw new NasException($"{flag} {port} is not a port: use 1 to 65535, or 0 for any free port");
    }

    /// <summary>The address of <c>--http-address</c>: an IP address of this machine (0.0.0.0 for every interface).</summary>
    public static IPAddress ParseAddress(string? text)
    {
        if (text is null) return DefaultAddress;
        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new NasException($"--http-address '{text}' is not an IP address: use 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every interface, e.g. in a container)");
    }

    static NasException PortInUse(string what, IPAddress address, int port, string flag) =>
        new($"the {what}'s port {port} on {address} is in use; choose another with {flag} N (0 picks a free one)");

    sealed class CommandOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
