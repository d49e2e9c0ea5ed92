using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace NasActors.Cli.Tests;

/// <summary>Every node's /metrics, /healthz and /readyz over HTTP: an embedded demo's on its dashboard port, a
/// cluster's coordinator's on its dashboard and a trainer node's on its metrics port.</summary>
public sealed class NodeEndpointTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Names of the readiness checks that passed and failed, from /readyz's JSON.</summary>
    internal static async Task<(HttpStatusCode Status, string Body, string[] Passed, string[] Failed)> ReadyAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => (Name: c.GetProperty("name").GetString()!, Ok: c.GetProperty("ok").GetBoolean())).ToArray();
        Assert.Equal(response.StatusCode == HttpStatusCode.OK, json.RootElement.GetProperty("ready").GetBoolean());
        return (response.StatusCode, body, checks.Where(c => c.Ok).Select(c => c.Name).ToArray(), checks.Where(c => !c.Ok).Select(c => c.Name).ToArray());
    }

    [Fact]
    public async Task A_demo_should_export_training_evaluation_journal_and_checkpoint_metrics_after_its_search_and_be_healthy_and_ready()
    {
        // Every second evaluation an evaluator runs fails once and is tried again: replays are counted.
        var spec = TinySearch.Write(_temp);
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("budget = 4 }", "budget = 4 }\n  evaluation { max-attempts = 3, faults { fail-every = 2 } }"));
        using var demo = Process.Start(NasProcess.StartInfo(["demo", "--spec", spec, "--state-dir", _temp.File("state"), "--poll", "0.5",
                                                             "--dashboard-port", "0", "--keep-serving"]))!;
        try
        {
            var url = (await NasProcess.WaitForLineAsync(demo, @"^dashboard: http://127\.0\.0\.1:\d+/$"))["dashboard: ".Length..];
            await NasProcess.WaitForLineAsync(demo, "^dashboard still serving at ");
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };

            var metrics = new PrometheusScrape(await http.GetStringAsync("/metrics"));
            // Two strategies of 10 steps, a checkpoint every 5: 20 steps and 4 checkpoints, on the demo's two trainers.
            Assert.Equal(20, metrics.Sum("nas_training_steps_total"));
            Assert.True(metrics.Sum("nas_training_images_total") >= 20 * 32, metrics.Text);
            Assert.All(metrics.Values("nas_training_steps_total", "trainer=\"trainer-"), v => Assert.True(v > 0));
            Assert.True(metrics.Sum("nas_training_path_wait_seconds_total") > 0, metrics.Text);
            Assert.All(metrics.Values("nas_training_images_per_second", "trainer=\"trainer-"), v => Assert.Equal(0, v));  // idle now
            Assert.Equal(4, metrics.Sum("nas_checkpoint_duration_seconds_count"));
            Assert.True(metrics.Sum("nas_checkpoint_duration_seconds_sum") > 0, metrics.Text);
            Assert.True(metrics.Sum("nas_checkpoint_written_bytes_total") > 4 * 1000, metrics.Text);
            Assert.True(metrics.Sum("nas_journal_write_duration_seconds_count") > 20, metrics.Text);  // events of a whole run
            Assert.True(metrics.Sum("nas_journal_write_duration_seconds_sum") > 0, metrics.Text);
            Assert.True(metrics.Sum("nas_evaluations_completed_total") >= 8, metrics.Text);  // the evolutions' budgets, 4 each
            Assert.True(metrics.Sum("nas_evaluations_replayed_total") >= 1, metrics.Text);
            metrics.Values("nas_evaluations_failed_total");  // present: whether a retry failed again depends on the evaluators' order
            Assert.Equal(0, metrics.Sum("nas_evaluations_queued"));
            Assert.Equal(0, metrics.Sum("nas_evaluations_running"));
            Assert.Equal(1, metrics.Sum("nas_cluster_members", "status=\"up\""));

            using var healthz = await http.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            var ready = await ReadyAsync(http, "/readyz");
            Assert.True(ready.Status == HttpStatusCode.OK, ready.Body);
            Assert.Equal(["actor-system", "journal", "devices"], ready.Passed);
        }
        finally
        {
            demo.Kill(entireProcessTree: true);
            await demo.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task An_embedded_node_should_serve_its_endpoints_on_its_metrics_port_and_refuse_one_in_use()
    {
        using var node = Process.Start(NasProcess.StartInfo(["node", "--state-dir", _temp.File("node"), "--trainers", "1", "--metrics-port", "0"]))!;
        try
        {
            var line = await NasProcess.WaitForLineAsync(node, @"^metrics: http://127\.0\.0\.1:\d+/metrics ");
            var url = new Uri(line.Split(' ')[1]);
            using var http = new HttpClient { BaseAddress = new Uri(url, "/"), Timeout = TimeSpan.FromSeconds(20) };
            Assert.Contains("nas_cluster_members", await http.GetStringAsync("/metrics"));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            var ready = await ReadyAsync(http, "/readyz");
            Assert.True(ready.Status == HttpStatusCode.OK, ready.Body);

            var taken = await NasProcess.RunAsync(["node", "--state-dir", _temp.File("other"), "--metrics-port", url.Port.ToString()]);
            NasAssert.UsageError(taken, $"port {url.Port}", "--metrics-port");
        }
        finally
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();
        }
    }
}

/// <summary>A cluster's endpoints: the coordinator's readiness follows its journal (PostgreSQL stopped, then started),
/// a trainer node's does not depend on it; after a search both export what they did.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterEndpointTests
{
    static async Task<string> AnnouncedAsync(Func<string?> read, string what)
    {
        for (var i = 0; i < 100; i++)
        {
            if (read() is { } url) return url;
            await Task.Delay(100);
        }
        Assert.Fail($"no {what} was announced");
        return "";
    }

    static async Task<(HttpStatusCode Status, string Body, string[] Passed, string[] Failed)> WaitForReadinessAsync(HttpClient http, string url, HttpStatusCode wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = await NodeEndpointTests.ReadyAsync(http, url);
        while (last.Status != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            last = await NodeEndpointTests.ReadyAsync(http, url);
        }
        Assert.True(last.Status == wanted, $"{url} answered {(int)last.Status}, not {(int)wanted}, for {timeout.TotalSeconds:0} s: {last.Body}");
        return last;
    }

    [Fact]
    public async Task The_coordinator_should_be_unready_while_PostgreSQL_is_stopped_and_ready_again_after_and_both_nodes_should_export_the_search()
    {
        await using var harness = await ClusterHarness.StartAsync(trainers: 1);
        var coordinator = new Uri(await AnnouncedAsync(harness.Cluster.DashboardUrl, "dashboard"));
        var trainer = new Uri(await AnnouncedAsync(() => harness.Cluster.MetricsUrl(1), "trainer-1 metrics endpoint"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var coordinatorReady = new Uri(coordinator, "/readyz").ToString();
        var trainerReady = new Uri(trainer, "/readyz").ToString();

        Assert.Equal(["actor-system", "cluster", "journal"], (await WaitForReadinessAsync(http, coordinatorReady, HttpStatusCode.OK, TimeSpan.FromSeconds(30))).Passed);
        Assert.Equal(["actor-system", "cluster", "devices"], (await WaitForReadinessAsync(http, trainerReady, HttpStatusCode.OK, TimeSpan.FromSeconds(30))).Passed);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(trainer, "/healthz"))).StatusCode);

        var id = await harness.StartSearchAsync(TinySearch.Write(harness.Temp));
        await harness.WaitForCompletionAsync(id);
        var atCoordinator = new PrometheusScrape(await http.GetStringAsync(new Uri(coordinator, "/metrics")));
        Assert.Equal(2, atCoordinator.Sum("nas_cluster_members", "status=\"up\""));
        Assert.True(atCoordinator.Sum("nas_evaluations_completed_total") >= 8, atCoordinator.Text);
        Assert.True(atCoordinator.Sum("nas_journal_write_duration_seconds_count") > 20, atCoordinator.Text);
        var atTrainer = new PrometheusScrape(await http.GetStringAsync(trainer));
        Assert.Equal(20, atTrainer.Sum("nas_training_steps_total"));
        Assert.True(atTrainer.Sum("nas_checkpoint_written_bytes_total") > 0, atTrainer.Text);
        Assert.Equal(2, atTrainer.Sum("nas_cluster_members", "status=\"up\""));

        harness.Cluster.Postgres.Stop();
        try
        {
            var down = await WaitForReadinessAsync(http, coordinatorReady, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
            Assert.Equal(["journal"], down.Failed);
            // A trainer journals nothing: the outage is not its to report.
            await WaitForReadinessAsync(http, trainerReady, HttpStatusCode.OK, TimeSpan.FromSeconds(5));
        }
        finally
        {
            await harness.Cluster.Postgres.StartAsync();
        }
        await WaitForReadinessAsync(http, coordinatorReady, HttpStatusCode.OK, TimeSpan.FromSeconds(90));
    }
}
