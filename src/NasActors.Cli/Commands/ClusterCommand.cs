using System.CommandLine;
using NasActors.Cli.Cluster;

namespace NasActors.Cli.Commands;

/// <summary><c>nas cluster up --trainers N</c> / <c>down</c> / <c>status</c>: docker/compose.yaml's topology (PostgreSQL,
/// a coordinator, N trainer nodes) as plain processes on loopback, remoting over TLS with a certificate it makes.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "start or stop a local cluster: PostgreSQL, a coordinator and trainer nodes as processes on loopback");
        var stateDirectory = StateDirectory();
        var port = Port();
        var postgresPort = PostgresPort();
        var trainers = new Option<int>("--trainers") { Description = "trainer+evaluator nodes (one CPU device each)", DefaultValueFactory = _ => 2 };
        var dashboardPort = new Option<int>("--dashboard-port") { Description = "the coordinator's dashboard on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => 8050 };
        var logFormat = new Option<string>("--log-format") { Description = "the nodes' log files: text, or json lines", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var up = new Command("up", "start PostgreSQL, the coordinator and the trainer nodes (they keep running after this command)")
        {
            stateDirectory, port, postgresPort, trainers, dashboardPort, logFormat,
        };
        up.SetAction(async (parsed, _) =>
        {
            var count = CommonOptions.Positive("--trainers", parsed.GetValue(trainers));
            var cluster = new LocalCluster(parsed.GetValue(stateDirectory)!, parsed.GetValue(port), parsed.GetValue(postgresPort), parsed.GetValue(dashboardPort))
            {
                LogFormat = parsed.GetValue(logFormat)!,
            };
            await cluster.UpAsync(count, Path.Combine(AppContext.BaseDirectory, "nas.dll"), Console.Out);
            // Each node announces its dashboard or metrics endpoint just after it joined.
            if (await AnnouncedAsync(cluster.DashboardUrl) is { } url) Console.WriteLine($"dashboard: {url}");
            for (var i = 0; i <= count; i++)
                if (await AnnouncedAsync(() => cluster.MetricsUrl(i)) is { } metrics) Console.WriteLine($"{LocalCluster.NodeName(i)} metrics: {metrics}");
            Console.WriteLine($"cluster up: ./nas console --connect {cluster.Contact}  (admin token in {Path.Combine(cluster.StateDirectory, AdminToken.FileName)}, " +
                              $"TLS certificate in {cluster.CertificatePath}; ./nas cluster down stops it)");
            return 0;
        });
        var down = new Command("down", "stop the nodes and PostgreSQL of ./nas cluster up (the journal and checkpoints stay)") { stateDirectory, port, postgresPort };
        down.SetAction(parsed =>
        {
            new LocalCluster(parsed.GetValue(stateDirectory)!, parsed.GetValue(port), parsed.GetValue(postgresPort)).Down(Console.Out);
            return 0;
        });
        command.Add(up);
        command.Add(down);
        return command;
    }

    static async Task<string?> AnnouncedAsync(Func<string?> read)
    {
        var url = read();
        for (var wait = 0; wait < 50 && url is null; wait++)
        {
            await Task.Delay(100);
            url = read();
        }
        return url;
    }

    static Option<string> StateDirectory() => new("--state-dir")
    {
        Description = "checkpoints, journal database, admin token, logs and pid files", DefaultValueFactory = _ => AdminToken.DefaultClusterStateDirectory,
    };

    static Option<int> Port() => new("--port") { Description = "the coordinator's port; trainer nodes take the ports after it", DefaultValueFactory = _ => 4053 };

    static Option<int> PostgresPort() => new("--postgres-port") { Description = "PostgreSQL's loopback port", DefaultValueFactory = _ => 55432 };
}
