using Akka.Configuration;
using Akka.Persistence.TestKit;
using NasActors.Actors.Cluster;
using NasActors.Actors.Persistence;
using NasActors.Actors.Tests.Persistence;

namespace NasActors.Actors.Tests.Cluster;

/// <summary>What /readyz reports, with the journal's faults injected by the persistence TestKit's journal.</summary>
public sealed class NodeHealthTests : Akka.TestKit.Xunit2.TestKit
{
    public NodeHealthTests() : base(TestJournals.Config) => Journal = TestJournals.Of(Sys);

    ITestJournal Journal { get; }

    static HealthCheck Failed(Readiness readiness)
    {
        Assert.False(readiness.Ready);
        return Assert.Single(readiness.Checks, c => !c.Ok);
    }

    [Fact]
    public async Task A_node_should_be_unready_while_its_journal_fails_writes_and_ready_again_once_it_takes_them()
    {
        var health = new NodeHealth(Sys, clusterMember: false, journalProbeId: "readiness-probe-test", devices: []);
        var ready = await health.CheckAsync();
        Assert.True(ready.Ready, string.Join("; ", ready.Checks));
        Assert.Equal(["actor-system", "journal"], ready.Checks.Select(c => c.Name));

        await Journal.OnWrite.Fail();
        var journal = Failed(await health.CheckAsync());
        Assert.Equal("journal", journal.Name);
        Assert.Contains("did not persist", journal.Detail);

        await Journal.OnWrite.Reject();
        Assert.Contains("rejected", Failed(await health.CheckAsync()).Detail);

        await Journal.OnWrite.Pass();
        Assert.True((await health.CheckAsync()).Ready);
        Assert.True((await health.CheckAsync()).Ready);  // the probe's event was deleted: the next one persists after it
    }

    [Fact]
    public async Task A_journal_that_does_not_answer_should_make_the_node_unready_once_the_patience_is_spent()
    {
        var health = new NodeHealth(Sys, clusterMember: false, journalProbeId: "readiness-probe-test", devices: []);
        await Journal.OnWrite.PassWithDelay(NodeHealth.JournalPatience * 3);
        // No wall-clock assertion (the project's rule): the detail names the patience that was spent.
        var journal = Failed(await health.CheckAsync());
        Assert.Equal("journal", journal.Name);
        Assert.Contains("within 5 s", journal.Detail);
    }

    [Fact]
    public async Task Concurrent_readiness_requests_should_share_one_probe_of_the_journal()
    {
        var health = new NodeHealth(Sys, clusterMember: false, journalProbeId: "readiness-probe-test", devices: []);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => health.CheckAsync()));
        Assert.All(answers, a => Assert.True(a.Ready, string.Join("; ", a.Checks)));
        // Eight probes at once on one persistence id would have raced for its sequence numbers; one ran, all read it.
        Assert.Single(answers.Select(a => a.Checks.Single(c => c.Name == "journal").Detail).Distinct());
    }

    [Fact]
    public async Task A_device_that_does_not_resolve_should_make_the_node_unready_naming_it()
    {
        var health = new NodeHealth(Sys, clusterMember: false, journalProbeId: null, devices: ["cuda:7"]);
        var devices = Failed(await health.CheckAsync());
        Assert.Equal("devices", devices.Name);
        Assert.Contains("cuda:7", devices.Detail);
    }
}
