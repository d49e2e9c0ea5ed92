using Akka.Actor;
using NasActors.Actors.Protocol;
using NasActors.Torch.Runtime;

namespace NasActors.Actors.Training;

/// <summary>Places training jobs (run, strategy) on free trainers, one per device, and queues them when none is free,
/// so several runs share the trainers fairly (first come, first served).</summary>
public sealed class TrainingQueue : ReceiveActor
{
    readonly Queue<(TrainStrategy Work, IActorRef Run)> _waiting = new();
    readonly HashSet<IActorRef> _idle = [];
    readonly Dictionary<IActorRef, string> _busyWith = [];

    public TrainingQueue(IReadOnlyList<string> devices, string checkpointDirectory)
    {
        // Trainers (and evaluators) share this process's threads, where oneDNN's NaN fault turns persistent.
        TorchRuntime.PrepareForConcurrentUse();
        foreach (var (device, index) in devices.Select((d, i) => (d, i)))
            _idle.Add(Context.ActorOf(TrainerActor.Props(device, checkpointDirectory), $"trainer-{index}-{device.Replace(':', '-')}"));

        Receive<TrainStrategy>(work =>
        {
            // A trainer bouncing a job back forwards the run as sender: keep it.
            _waiting.Enqueue((work, Sender));
            Dispatch();
        });
        Receive<TrainerActor.TrainerIdle>(idle =>
        {
            _busyWith.Remove(idle.Trainer);
            _idle.Add(idle.Trainer);
            Dispatch();
        });
        Receive<StopTraining>(stop =>
        {
            var keep = _waiting.Where(w => w.Work.SearchId != stop.SearchId).ToArray();
            _waiting.Clear();
            foreach (var item in keep) _waiting.Enqueue(item);
            foreach (var (trainer, searchId) in _busyWith)
                if (searchId == stop.SearchId) trainer.Tell(stop);
        });
    }

    public static Props Props(IReadOnlyList<string> devices, string checkpointDirectory)
    {
        if (devices.Count == 0) throw new NasException("a node with the trainer role needs at least one device (e.g. --device cpu)");
        return Akka.Actor.Props.Create(() => new TrainingQueue(devices, checkpointDirectory));
    }

    void Dispatch()
    {
        while (_idle.Count > 0 && _waiting.Count > 0)
        {
            var trainer = _idle.First();
            var (work, run) = _waiting.Dequeue();
            _idle.Remove(trainer);
            _busyWith[trainer] = work.SearchId;
            trainer.Tell(work, run);
        }
    }
}
