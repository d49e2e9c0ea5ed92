using Akka.Actor;
using Akka.Configuration;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;

namespace NasActors.Actors.Cluster;

/// <summary>One process's actor system with the search manager, the training queue (one trainer per device) and the
/// evaluation supervisor. On start the manager recovers every known search and continues the unfinished ones.</summary>
public sealed class NasNode : IAdminChannel
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    readonly FileStream _lock;

    readonly IActorRef _training;
    readonly IActorRef _evaluations;
    // The embedded node is a cluster of one, as ListNodes shows it.
    readonly IDisposable _membersGauge = Telemetry.NasMetrics.ObserveMembers(() => [KeyValuePair.Create("up", 1)]);

    NasNode(ActorSystem system, IActorRef manager, IActorRef training, IActorRef evaluations, FileStream nodeLock, NodeHealth health)
    {
        System = system;
        Health = health;
        Manager = manager;
        _training = training;
        _evaluations = evaluations;
        _lock = nodeLock;
    }

    public ActorSystem System { get; }
    public IActorRef Manager { get; }

    /// <summary>Alive and ready (journal, devices) as /healthz and /readyz report it.</summary>
    public NodeHealth Health { get; }

    /// <summary>A node that trains and evaluates: every unfinished search in its journal continues.</summary>
    public static NasNode Start(NodeSettings settings, string name = "nas") => Create(settings, name, active: true);

    /// <summary>An admin process on the same journal: it answers and journals commands but runs nothing. Refused while
    /// a node runs on the journal: SQLite takes one writer per search.</summary>
    public static NasNode StartAdmin(NodeSettings settings) => Create(settings, "nas-admin", active: false);

    static NasNode Create(NodeSettings settings, string name, bool active)
    {
        var stateDirectory = Path.GetDirectoryName(Path.GetFullPath(settings.CheckpointDirectory))!;
        Directory.CreateDirectory(stateDirectory);
        Directory.CreateDirectory(settings.CheckpointDirectory);
        var nodeLock = LockStateDirectory(stateDirectory);
        var config = Telemetry.NodeLogging.AkkaConfig()
            .WithFallback(ConfigurationFactory.ParseString($"akka {{ loglevel = {settings.LogLevel}, stdout-loglevel = {settings.LogLevel} }}"))
            .WithFallback(settings.Journal.ToConfig());
        var system = ActorSystem.Create(name, config);
        IActorRef training = ActorRefs.Nobody, evaluations = ActorRefs.Nobody;
        if (active)
        {
            training = system.ActorOf(TrainingQueue.Props(settings.Devices, settings.CheckpointDirectory), "training");
            evaluations = system.ActorOf(EvaluationSupervisor.Props(() => new SupernetChildEvaluator(settings.EvaluatorDevice), Math.Max(1, settings.Evaluators)), "evaluations");
        }
        var manager = system.ActorOf(SearchManager.Supervised(training, evaluations, active, settings.TensorBoard), "searches");
        var health = new NodeHealth(system, clusterMember: false, journalProbeId: $"readiness-probe-{name}",
                                    active ? settings.Devices.Append(settings.EvaluatorDevice) : []);
        return new NasNode(system, manager, training, evaluations, nodeLock, health);
    }

    /// <summary>One process at a time per state directory; the lock goes with the process, even when it is killed.</summary>
    static FileStream LockStateDirectory(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, "node.lock");
        try
        {
            var nodeLock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            nodeLock.SetLength(0);
            using (var writer = new StreamWriter(nodeLock, leaveOpen: true)) writer.Write(Environment.ProcessId);
            return nodeLock;
        }
        catch (IOException)
        {
            var holder = File.Exists(path) ? TryRead(path) : "";
            throw new NasException($"another nas process{(holder.Length > 0 ? $" (pid {holder})" : "")} is using {stateDirectory}; " +
                                   "stop it first (its searches resume when a node starts again), or use another --state-dir");
        }
    }

    static string TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd().Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Sends an admin command and waits for the reply; a refusal becomes a <see cref="NasException"/>.</summary>
    public async Task<T> AskAsync<T>(object command)
    {
        var reply = command is ListNodes ? await ListNodes() : await Manager.Ask<object>(command, AskTimeout);
        return reply switch
        {
            T answer => answer,
            CommandRejected rejected => throw new NasException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {command.GetType().Name}"),
        };
    }

    /// <summary>The node as one member with every role: its trainers and evaluators, as a cluster lists them.</summary>
    async Task<object> ListNodes()
    {
        var member = new MemberInfo(System.Name, ["coordinator", "evaluator", "trainer"], "Up");
        if (_training.IsNobody()) return new NodeList([member], [], []);
        return await WorkerListing.GatherAsync([member], _training, _evaluations, AskTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        _membersGauge.Dispose();
        await System.Terminate();
        await _lock.DisposeAsync();
    }
}
