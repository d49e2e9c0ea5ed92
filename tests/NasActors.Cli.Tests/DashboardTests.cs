using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace NasActors.Cli.Tests;

/// <summary>The demo's live dashboard, over HTTP on loopback, while the search runs.</summary>
public sealed class DashboardTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_demo_should_serve_a_page_the_run_and_live_events_and_a_404_for_an_unknown_run()
    {
        using var demo = Process.Start(NasProcess.StartInfo(["demo", "--spec", TinySearch.Write(_temp), "--state-dir", _temp.File("state"),
                                                             "--poll", "0.5", "--dashboard-port", "0"]))!;
        try
        {
            var line = await NasProcess.WaitForLineAsync(demo, @"^dashboard: http://127\.0\.0\.1:\d+/$");
            var url = line["dashboard: ".Length..];
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };

            var page = await http.GetStringAsync("/");
            Assert.Contains("EventSource(\"/events\")", page);
            Assert.DoesNotContain("http://", page.Replace("http://www.w3.org", ""));  // nothing fetched from elsewhere

            using var runs = JsonDocument.Parse(await http.GetStringAsync("/api/runs"));
            var id = runs.RootElement[0].GetProperty("Status").GetProperty("SearchId").GetString()!;
            Assert.StartsWith("tiny-", id);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/runs/{id}")).StatusCode);

            var missing = await http.GetAsync("/runs/no-such-run");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("href=\"/\"", await missing.Content.ReadAsStringAsync());

            using var events = await http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal("text/event-stream", events.Content.Headers.ContentType!.MediaType);
            using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
            var data = await reader.ReadLineAsync();
            Assert.StartsWith("data: [", data);
            Assert.Contains(id, data);
        }
        finally
        {
            demo.Kill(entireProcessTree: true);
            await demo.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_dashboard_port_in_use_should_be_refused_naming_the_port_and_the_flag()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var run = await NasProcess.RunAsync(["demo", "--spec", TinySearch.Write(_temp), "--state-dir", _temp.File("state"), "--dashboard-port", port.ToString()]);

        NasAssert.UsageError(run, $"port {port}", "--dashboard-port");
    }
}
