using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NasActors.Cli.Tests;

/// <summary>The cluster's commands as a user runs them: bad node settings refused before joining, a console pointed
/// at nothing, the admin token, and <c>nas nodes</c> on a running cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCommandTests
{
    /// <summary>A loopback port something listens on until the listener is stopped.</summary>
    static (TcpListener Listener, int Port) Occupied()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    static int FreePort()
    {
        var (listener, port) = Occupied();
        listener.Stop();
        return port;
    }

    [Theory]
    [InlineData("unknown role 'gpu'", "node", "--roles", "trainer,gpu", "--seed-nodes", "127.0.0.1:4053")]
    [InlineData("bad seed-node address '127.0.0.1'", "node", "--roles", "trainer", "--seed-nodes", "127.0.0.1", "--device", "cpu")]
    [InlineData("bad seed-node address 'host:99999'", "node", "--roles", "evaluator", "--seed-nodes", "host:99999")]
    [InlineData("device 'cuda:98'", "node", "--roles", "trainer", "--device", "cuda:98", "--seed-nodes", "127.0.0.1:4053", "--port", "0")]
    [InlineData("device 'cuda:99'", "node", "--roles", "evaluator", "--device", "cuda:99", "--seed-nodes", "127.0.0.1:4053", "--port", "0")]
    [InlineData("needs the coordinator's address", "node", "--roles", "trainer", "--device", "cpu", "--port", "0")]
    [InlineData("does not connect", "node", "--roles", "coordinator", "--port", "0", "--journal", "postgres://nas:x@127.0.0.1:1/nas")]
    [InlineData("--seed-nodes is for cluster nodes", "node", "--seed-nodes", "127.0.0.1:4053")]
    [InlineData("--certificate is for cluster nodes", "node", "--certificate", "cluster.pfx")]
    [InlineData("certificate 'no-such.pfx' does not exist", "node", "--roles", "coordinator", "--port", "0", "--certificate", "no-such.pfx")]
    public async Task Bad_node_settings_should_be_refused_before_joining(string mention, params string[] arguments)
    {
        using var temp = new TempDirectory();
        var run = await NasProcess.RunAsync([.. arguments, "--state-dir", temp.Path]);
        NasAssert.UsageError(run, mention);
        Assert.False(File.Exists(temp.File("admin-token")), "a refused node must not write anything");
    }

    [Fact]
    public async Task A_node_on_a_port_in_use_should_be_refused_with_the_port_named()
    {
        using var temp = new TempDirectory();
        var (listener, port) = Occupied();
        try
        {
            var run = await NasProcess.RunAsync(["node", "--roles", "coordinator", "--port", $"{port}", "--state-dir", temp.Path]);
            NasAssert.UsageError(run, $"port {port}", "in use");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Theory]
    [InlineData("console")]
    [InlineData("nodes")]
    [InlineData("search", "list")]
    public async Task A_console_pointed_where_no_cluster_listens_should_fail_within_seconds(params string[] command)
    {
        var port = FreePort();
        var run = await NasProcess.RunAsync(TimeSpan.FromSeconds(30), [.. command, "--connect", $"127.0.0.1:{port}", "--token", "t"]);
        // Refused by the TCP probe that precedes the client (bounded by ClusterAdminClient.ConnectTimeout), not after
        // an ask's timeout: the error is the probe's, and no ask was made.
        var error = NasAssert.UsageError(run, $"127.0.0.1:{port}", "no NasActors node answers", "Connection refused");
        Assert.DoesNotContain("did not answer", error);
    }

    [Fact]
    public async Task A_running_cluster_should_list_its_nodes_and_refuse_a_wrong_or_missing_token()
    {
        await using var harness = await ClusterHarness.StartAsync(trainers: 1);

        var nodes = await NasProcess.RunAsync(["nodes", .. harness.Connection, "--token", harness.Token]);
        NasAssert.Succeeded(nodes);
        Assert.Contains(nodes.StdoutLines, l => l.Contains($":{harness.Cluster.BasePort} ") && l.EndsWith("coordinator"));
        Assert.Contains(nodes.StdoutLines, l => l.Contains($":{harness.Cluster.BasePort + 1} ") && l.EndsWith("evaluator,trainer"));
        Assert.Contains(nodes.StdoutLines, l => l.Contains($":{harness.Cluster.BasePort + 1} ") && l.Contains("cpu") && l.EndsWith("idle"));

        var wrong = await NasProcess.RunAsync(["search", "list", .. harness.Connection, "--token", "not-the-token"]);
        NasAssert.UsageError(wrong, "wrong admin token");
        var missing = await NasProcess.RunAsync(["search", "list", .. harness.Connection, "--token", ""]);
        NasAssert.UsageError(missing, "no admin token");

        // The console reads commands from a pipe as from a terminal; its exit code says whether all went through.
        var console = Process.Start(NasProcess.StartInfo(["console", .. harness.Connection, "--token", harness.Token]))!;
        await console.StandardInput.WriteLineAsync("list\nnodes\nstatus no-such-search\nexit");
        console.StandardInput.Close();
        var output = await console.StandardOutput.ReadToEndAsync();
        var errors = await console.StandardError.ReadToEndAsync();
        await console.WaitForExitAsync();
        Assert.Contains("no searches yet", output);
        Assert.Contains("evaluator,trainer", output);
        Assert.Contains("unknown search id 'no-such-search'", errors);
        Assert.Equal(2, console.ExitCode);

        // The coordinator serves the dashboard: workers from across the cluster; actions only with the token.
        var url = harness.Cluster.DashboardUrl();
        Assert.NotNull(url);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };
        using var workers = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/workers"));
        Assert.Equal("cpu", workers.RootElement.GetProperty("Trainers")[0].GetProperty("Device").GetString());
        Assert.Contains($":{harness.Cluster.BasePort + 1}", workers.RootElement.GetProperty("Evaluators")[0].GetProperty("Node").GetString());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.PostAsync("/api/runs/any/stop", null)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await DashboardTests.Act(http, "/api/runs/no-such-search/stop", harness.Token)).StatusCode);
    }

    [Fact]
    public async Task A_coordinator_whose_dashboard_port_is_in_use_should_be_refused_before_joining()
    {
        using var temp = new TempDirectory();
        var (listener, port) = Occupied();
        try
        {
            var run = await NasProcess.RunAsync(["node", "--roles", "coordinator", "--port", "0", "--dashboard-port", $"{port}", "--state-dir", temp.Path]);
            NasAssert.UsageError(run, $"port {port}", "--dashboard-port");
            Assert.False(File.Exists(temp.File("admin-token")), "a refused node must not write anything");
        }
        finally
        {
            listener.Stop();
        }
    }
}
