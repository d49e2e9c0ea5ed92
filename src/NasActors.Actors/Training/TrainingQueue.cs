using Akka.Actor;
using Akka.Event;
using NasActors.Actors.Protocol;
using NasActors.Torch.Runtime;

namespace NasActors.Actors.Training;

/// <summary>Places training jobs (run, strategy) on free trainers and queues them when none is free, so several runs
/// share the trainers (first come, first served). Trainers register themselves: local ones at start, remote ones from
/// trainer nodes. A trainer that is lost (its node left the cluster) gives its job back to the run, which hands it out
/// again from its newest committed checkpoint.</summary>
public sealed class TrainingQueue : ReceiveActor
{
    readonly List<(TrainStrategy Work, IActorRef Run)> _waiting = [];
    readonly Dictionary<IActorRef, Trainer> _trainers = [];
    readonly ILoggingAdapter _log = Context.GetLogger();

    public TrainingQueue(IReadOnlyList<string> localDevices, string? checkpointDirectory)
    {
        if (localDevices.Count > 0)
        {
            // Trainers (and evaluators) share this process's threads (see TorchRuntime.PrepareForConcurrentUse).
            TorchRuntime.PrepareForConcurrentUse();
            foreach (var (device, index) in localDevices.Select((d, i) => (d, i)))
                Context.ActorOf(TrainerActor.Props(device, checkpointDirectory!), $"trainer-{index}-{device.Replace(':', '-')}");
        }

        Receive<RegisterTrainer>(Register);
        Receive<TrainStrategy>(Enqueue);
        Receive<TrainerActor.TrainerIdle>(idle =>
        {
            if (_trainers.TryGetValue(idle.Trainer, out var trainer)) trainer.Job = null;
            Dispatch();
        });
        Receive<Terminated>(terminated => Lost(terminated.ActorRef));
        Receive<StopTraining>(stop =>
        {
            _waiting.RemoveAll(w => w.Work.SearchId == stop.SearchId);
            foreach (var (actor, trainer) in _trainers)
                if (trainer.Job?.Id.SearchId == stop.SearchId) actor.Tell(stop);
        });
        Receive<ListWorkers>(_ => Sender.Tell(new TrainerList(
            _trainers.Values.Select(t => new TrainerInfo(t.Node, t.Device, t.Job?.Id)).ToArray())));
    }

    /// <summary>A queue with one local trainer per device (the embedded node).</summary>
    public static Props Props(IReadOnlyList<string> devices, string checkpointDirectory)
    {
        if (devices.Count == 0) throw new NasException("a node with the trainer role needs at least one device (e.g. --device cpu)");
        return Akka.Actor.Props.Create(() => new TrainingQueue(devices, checkpointDirectory));
    }

    /// <summary>A queue whose trainers live on trainer nodes and register over the cluster (the coordinator).</summary>
    public static Props ForCluster() => Akka.Actor.Props.Create(() => new TrainingQueue(Array.Empty<string>(), null));

    void Register(RegisterTrainer register)
    {
        if (_trainers.ContainsKey(register.Trainer)) return;
        var trainer = new Trainer(register.Device, register.Node);
        _trainers.Add(register.Trainer, trainer);
        Context.Watch(register.Trainer);
        _log.Info("trainer {0} ({1}) on {2} registered", register.Trainer.Path, register.Device, register.Node);
        if (register.Current is { } running)
        {
            // A job this queue never placed (the coordinator restarted): its run no longer listens to it and will
            // hand the job out again from its journal. Stop it; the trainer reports idle when it has.
            trainer.Job = new Placed(running, ActorRefs.Nobody, Abandoned: true);
            register.Trainer.Tell(new CancelTraining(running));
        }
        Dispatch();
    }

    void Enqueue(TrainStrategy work)
    {
        var id = new TrainingJobId(work.SearchId, work.Strategy);
        // A run asks again after it recovered: the newest request (its checkpoints, its address) replaces the old.
        _waiting.RemoveAll(w => w.Work.SearchId == id.SearchId && w.Work.Strategy == id.Strategy);
        foreach (var (actor, trainer) in _trainers)
        {
            if (trainer.Job is not { Abandoned: false } job || job.Id != id) continue;
            actor.Tell(new CancelTraining(id));
            trainer.Job = job with { Abandoned = true };
        }
        _waiting.Add((work, Sender));
        Dispatch();
    }

    void Lost(IActorRef actor)
    {
        if (!_trainers.Remove(actor, out var trainer)) return;
        _log.Warning("trainer {0} ({1}) on {2} is gone{3}", actor.Path, trainer.Device, trainer.Node,
                     trainer.Job is { } job ? $" while training {job.Id.SearchId}/{job.Id.Strategy}" : "");
        if (trainer.Job is { Abandoned: false } lost)
            lost.Run.Tell(new TrainerLost(lost.Id.SearchId, lost.Id.Strategy, $"trainer {trainer.Device} on {trainer.Node} was lost"));
    }

    void Dispatch()
    {
        while (_waiting.Count > 0 && _trainers.FirstOrDefault(t => t.Value.Job is null) is { Key: { } actor, Value: { } trainer })
        {
            var (work, run) = _waiting[0];
            _waiting.RemoveAt(0);
            trainer.Job = new Placed(new TrainingJobId(work.SearchId, work.Strategy), run, Abandoned: false);
            actor.Tell(work, run);
        }
    }

    sealed record Placed(TrainingJobId Id, IActorRef Run, bool Abandoned);

    sealed class Trainer(string device, string node)
    {
        public string Device { get; } = device;
        public string Node { get; } = node;
        public Placed? Job { get; set; }
    }
}
