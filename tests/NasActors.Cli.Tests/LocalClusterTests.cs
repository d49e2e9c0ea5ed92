using NasActors.Cli.Cluster;

namespace NasActors.Cli.Tests;

public sealed class LocalClusterTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public LocalClusterTests()
    {
        Directory.CreateDirectory(_temp.File("postgres"));
        File.WriteAllText(_temp.File("postgres/password"), "secret");  // the coordinator's journal URL carries it
    }

    public void Dispose() => _temp.Dispose();

    static string SeedsOf(string[] arguments) => arguments[Array.IndexOf(arguments, "--seed-nodes") + 1];

    [Fact]
    public void A_coordinator_started_with_no_trainer_running_should_found_the_cluster()
    {
        var cluster = new LocalCluster(_temp.Path, basePort: 5000, postgresPort: 5500);

        Assert.Equal("127.0.0.1:5000", SeedsOf(cluster.NodeArguments(0, [])));
    }

    [Fact]
    public void A_coordinator_started_while_trainers_run_should_join_through_them_only()
    {
        // With itself among the seeds it would found a second cluster if they answered late.
        var cluster = new LocalCluster(_temp.Path, basePort: 5000, postgresPort: 5500);

        Assert.Equal("127.0.0.1:5001,127.0.0.1:5002", SeedsOf(cluster.NodeArguments(0, [1, 2])));
        Assert.Equal("127.0.0.1:5000", SeedsOf(cluster.NodeArguments(2, [1, 2])));  // a trainer joins the coordinator
    }
}
