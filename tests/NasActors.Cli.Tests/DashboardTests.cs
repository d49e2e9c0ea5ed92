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

    /// <summary>A dashboard action as the page posts it, with the admin token.</summary>
    internal static Task<HttpResponseMessage> Act(HttpClient http, string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    [Fact]
    public async Task The_demo_should_serve_a_page_the_run_and_live_events_a_404_for_an_unknown_run_and_actions_only_with_the_token()
    {
        // Far longer than the test (which kills it): 3000 steps of this tiny supernet could finish before the pause
        // below on a fast machine, and a completed run rightly refuses to pause (409).
        var spec = TinySearch.Write(_temp);
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("steps = 10", "steps = 10000000").Replace("checkpoint-every = 5", "checkpoint-every = 500"));
        using var demo = Process.Start(NasProcess.StartInfo(["demo", "--spec", spec, "--state-dir", _temp.File("state"),
                                                             "--poll", "0.5", "--dashboard-port", "0", "--evaluators", "3"]))!;
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
            Assert.StartsWith("data: {\"Runs\":[", data);
            Assert.Contains(id, data);
            Assert.Contains("\"Workers\":{", data);

            using var workers = JsonDocument.Parse(await http.GetStringAsync("/api/workers"));
            Assert.Equal(2, workers.RootElement.GetProperty("Trainers").GetArrayLength());
            Assert.Equal(3, workers.RootElement.GetProperty("Evaluators").GetArrayLength());  // --evaluators

            // Actions need the admin token (the demo's is in its state folder).
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync($"/api/runs/{id}/pause", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Act(http, $"/api/runs/{id}/pause", "wrong")).StatusCode);
            var token = File.ReadAllText(_temp.File("state/admin-token")).Trim();
            Assert.Equal(HttpStatusCode.NotFound, (await Act(http, "/api/runs/no-such-run/pause", token)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Act(http, $"/api/runs/{id}/explode", token)).StatusCode);
            var paused = await Act(http, $"/api/runs/{id}/pause", token);
            var pausedBody = await paused.Content.ReadAsStringAsync();
            Assert.True(paused.StatusCode == HttpStatusCode.OK, $"pause answered {(int)paused.StatusCode}: {pausedBody}");
            Assert.Contains("pause journaled", pausedBody);
            using (var afterPause = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{id}")))
                Assert.Equal("Paused", afterPause.RootElement.GetProperty("Status").GetProperty("Phase").GetString());
            Assert.Equal(HttpStatusCode.OK, (await Act(http, $"/api/runs/{id}/resume", token)).StatusCode);
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

/// <summary>The dashboard as a browser shows it: Debian's headless Chromium (which ./nas test installs).</summary>
public sealed class DashboardBrowserTests : IDisposable
{
    const string Chromium = "/usr/bin/chromium";
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static async Task<string> Browse(params string[] arguments)
    {
        var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // As root (CI) Chromium needs --no-sandbox; shared memory in containers can be small.
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--timeout=5000" }.Concat(arguments))
            start.ArgumentList.Add(argument);
        using var browser = Process.Start(start)!;
        var output = browser.StandardOutput.ReadToEndAsync();
        _ = browser.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await browser.WaitForExitAsync(deadline.Token);
        return await output;
    }

    [Fact]
    public async Task Headless_chromium_should_show_the_finished_run_with_its_leaderboards_and_ranking_quality()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./nas test installs Debian's chromium (apt-get install chromium)");
        using var demo = Process.Start(NasProcess.StartInfo(["demo", "--spec", TinySearch.Write(_temp), "--state-dir", _temp.File("state"),
                                                             "--poll", "0.5", "--dashboard-port", "0", "--keep-serving", "--evaluators", "1"]))!;
        try
        {
            // The run appears as soon as the page is served (it may already have finished: the tiny search is quick)...
            var early = await NasProcess.WaitForLineAsync(demo, @"^dashboard: http://127\.0\.0\.1:\d+/$");
            var earlyDom = await Browse("--dump-dom", early["dashboard: ".Length..]);
            Assert.Matches(@"<a href=""/runs/tiny-\d{8}-\d{6}-1"">tiny-", earlyDom);
            Assert.Matches(@">(Running|Completed)</span>", earlyDom);

            // ...and its leaderboards fill by the end.
            var line = await NasProcess.WaitForLineAsync(demo, @"^dashboard still serving at http://127\.0\.0\.1:\d+/");
            var url = line["dashboard still serving at ".Length..line.IndexOf(';')];

            var dom = await Browse("--dump-dom", url);
            Assert.Contains(">Completed</span>", dom);
            Assert.Contains("Training curves (mean over each checkpoint interval)", dom);  // the figures, inline SVG
            Assert.Contains("Inherited-weight estimate against stand-alone test accuracy", dom);
            Assert.Matches(@"<h2>Workers</h2>\s*<p>trainers busy 0/2, evaluators busy 0/1;\s*evaluations pending 0, replayed \d+</p>", dom);
            Assert.Matches(@"<tr><td>local</td><td>cpu</td>\s*<td>idle</td></tr>", dom);  // the evaluator, with its device
            Assert.Contains("<button data-run=", dom);
            Assert.Matches(@"<a href=""/runs/tiny-\d{8}-\d{6}-1"">tiny-", dom);
            foreach (var strategy in new[] { "a", "b" })
                Assert.Matches($@"<h3>{strategy} — Kendall tau -?\d\.\d{{3}}, Spearman rho -?\d\.\d{{3}} over 3 ground-truth architectures</h3><table>", dom);
            Assert.Matches(@"<td><code>\|[a-z_0-9~|+]+\|</code></td>\s*<td class=""cell""><svg xmlns=""http://www.w3.org/2000/svg"" class=""cell""", dom);  // leaderboard rows, each cell drawn
            Assert.Matches(@"<td class=""cell""><svg xmlns=""http://www.w3.org/2000/svg"" class=""cell""[^>]*><title>\|[a-z_0-9~|+]+\| \((\d[\d,]* strings|the only string|output always)", dom);

            var screenshot = _temp.File("dashboard.png");
            await Browse("--window-size=1200,900", $"--screenshot={screenshot}", url);
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is empty");
        }
        finally
        {
            demo.Kill(entireProcessTree: true);
            await demo.WaitForExitAsync();
        }
    }
}
