using Akka.Actor;
using Akka.Cluster;
using NasActors.Actors.Persistence;
using NasActors.Torch.Runtime;

namespace NasActors.Actors.Cluster;

/// <summary>One readiness check: its name, whether it passed, and what it found, for people.</summary>
public sealed record HealthCheck(string Name, bool Ok, string Detail);

/// <summary>Every readiness check of a node; ready when all passed.</summary>
public sealed record Readiness(IReadOnlyList<HealthCheck> Checks)
{
    public bool Ready => Checks.All(c => c.Ok);
}

/// <summary>What a node's <c>/healthz</c> and <c>/readyz</c> answer. Alive while its actor system runs. Ready when,
/// besides, it is an Up member of its cluster (cluster nodes), its journal persists and deletes a probe event within
/// <see cref="JournalPatience"/> (nodes that journal: embedded nodes and coordinators), and its devices resolve (nodes
/// that train or evaluate).</summary>
public sealed class NodeHealth
{
    /// <summary>How long the journal has to answer a probe before the node is reported not ready.</summary>
    public static readonly TimeSpan JournalPatience = TimeSpan.FromSeconds(5);

    readonly ActorSystem _system;
    readonly bool _clusterMember;
    readonly string? _journalProbeId;
    readonly IReadOnlyList<string> _devices;
    readonly Lock _gate = new();
    Task<HealthCheck>? _journalCheck;

    /// <param name="journalProbeId">The persistence id the probe writes under, one per node (null: the node journals nothing).</param>
    public NodeHealth(ActorSystem system, bool clusterMember, string? journalProbeId, IEnumerable<string> devices)
    {
        _system = system;
        _clusterMember = clusterMember;
        _journalProbeId = journalProbeId;
        _devices = devices.Distinct().ToArray();
    }

    public bool IsAlive => !_system.WhenTerminated.IsCompleted;

    public async Task<Readiness> CheckAsync()
    {
        if (!IsAlive) return new Readiness([new("actor-system", false, $"{_system.Name} terminated")]);
        var checks = new List<HealthCheck> { new("actor-system", true, $"{_system.Name} running") };
        if (_clusterMember)
        {
            var status = Akka.Cluster.Cluster.Get(_system).SelfMember.Status;
            checks.Add(new("cluster", status == MemberStatus.Up, $"member status {status}"));
        }
        if (_journalProbeId is not null) checks.Add(await JournalAsync());
        if (_devices.Count > 0) checks.Add(Devices());
        return new Readiness(checks);
    }

    /// <summary>Concurrent requests share the probe in flight: two probes on one persistence id would race.</summary>
    Task<HealthCheck> JournalAsync()
    {
        lock (_gate)
        {
            if (_journalCheck is null || _journalCheck.IsCompleted) _journalCheck = ProbeJournalAsync(_journalProbeId!);
            return _journalCheck;
        }
    }

    async Task<HealthCheck> ProbeJournalAsync(string persistenceId)
    {
        var probe = _system.ActorOf(JournalProbe.Props(persistenceId));
        try
        {
            var answer = await probe.Ask<JournalProbe.Answered>(JournalProbe.Probe.Instance, JournalPatience);
            return new HealthCheck("journal", answer.Ok, answer.Detail);
        }
        catch (AskTimeoutException)
        {
            _system.Stop(probe);
            return new HealthCheck("journal", false, $"the journal did not persist and delete a probe event within {JournalPatience.TotalSeconds:0} s (the node's log has its error)");
        }
    }

    HealthCheck Devices()
    {
        var problems = new List<string>();
        foreach (var device in _devices)
        {
            try
            {
                TorchRuntime.ResolveDevice(device);
            }
            catch (NasException e)
            {
                problems.Add(e.Message);
            }
        }
        return new HealthCheck("devices", problems.Count == 0, problems.Count == 0 ? string.Join(", ", _devices) : string.Join("; ", problems));
    }
}
