using Akka.Actor;
using NasActors.Search.Sampling;

namespace NasActors.Actors.Training;

/// <summary>Hosts one strategy's path sampler: proposes training paths ahead of need and takes the trainer's
/// feedback. Its whole state (RNG included) travels with each proposed step, so a checkpoint restores it exactly.</summary>
public sealed class SamplerActor : ReceiveActor
{
    public SamplerActor(IPathSampler sampler)
    {
        // A failure is answered, never thrown: a restarted actor would leave the trainer waiting for paths forever.
        Receive<RestoreSamplerState>(restore => Answering(() => sampler.RestoreState(restore.State)));
        Receive<RequestPaths>(request => Answering(() =>
        {
            foreach (var feedback in request.Feedback) sampler.Observe(feedback);
            var steps = new ProposedStep[request.Count];
            for (var i = 0; i < steps.Length; i++)
                steps[i] = new ProposedStep(request.FromStep + i, sampler.NextStep(), sampler.SaveState());
            Sender.Tell(new PathsProposed(steps));
        }));
    }

    void Answering(Action handle)
    {
        if (_failed) return;
        try
        {
            handle();
        }
        catch (Exception e) when (e is NasException or InvalidOperationException or FormatException or ArgumentException)
        {
            _failed = true;
            Sender.Tell(new SamplerFailed(e.Message));
        }
    }

    bool _failed;

    public static Props Props(IPathSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return Akka.Actor.Props.Create(() => new SamplerActor(sampler));
    }
}
