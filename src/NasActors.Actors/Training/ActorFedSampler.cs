using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Training;

/// <summary>The training loop's view of a <see cref="SamplerActor"/>: it asks for paths ahead of need, at fixed step
/// counts (so the sampler sees the same requests and feedback in every run), and blocks only when they have not
/// arrived; the time spent waiting is the trainer's starvation.</summary>
/// <param name="hosted">The sampler the actor hosts, read here only before the actor starts using it.</param>
internal sealed class ActorFedSampler(IPathSampler hosted, Func<IActorRef> spawnSampler, IActorRef replyTo, int lookahead) : IPathSampler
{
    readonly BlockingCollection<ProposedStep> _arrived = new();
    readonly List<StepFeedback> _feedback = [];
    readonly Stopwatch _waiting = new();
    long _requestedUpTo;
    long _nextStep;
    readonly string _strategy = hosted.Strategy;
    string _state = hosted.SaveState();
    readonly IActorRef _sampler = spawnSampler();

    public string Strategy => _strategy;

    public int PathsPerStep { get; } = hosted.PathsPerStep;

    public bool WantsOperationGradients { get; } = hosted.WantsOperationGradients;

    public IActorRef Actor => _sampler;

    public TimeSpan Waiting => _waiting.Elapsed;

    /// <summary>Called on the trainer actor's thread when the sampler answers.</summary>
    public void Deliver(PathsProposed proposed)
    {
        foreach (var step in proposed.Steps) _arrived.Add(step);
    }

    public IReadOnlyList<Architecture> NextStep()
    {
        // Ask for the next batch of steps when half the current one is used up: well before it runs out.
        if (_requestedUpTo - _nextStep <= lookahead / 2)
        {
            _sampler.Tell(new RequestPaths(_requestedUpTo, lookahead, _feedback.ToArray()), replyTo);
            _feedback.Clear();
            _requestedUpTo += lookahead;
        }
        _waiting.Start();
        var step = _arrived.Take();
        _waiting.Stop();
        if (step.Step != _nextStep) throw new InvalidOperationException($"sampler of {_strategy} sent step {step.Step}, expected {_nextStep}");
        _nextStep++;
        _state = step.SamplerStateAfter;
        return step.Paths;
    }

    public void Observe(StepFeedback feedback) => _feedback.Add(feedback);

    public string SaveState() => _state;

    /// <summary>Only before the first step: a resumed training restores the sampler, then continues from that step.</summary>
    public void RestoreState(string state)
    {
        if (_requestedUpTo != 0) throw new InvalidOperationException("the sampler can only be restored before training starts");
        _sampler.Tell(new RestoreSamplerState(state), replyTo);
        _state = state;
    }

    /// <summary>Where a restored training continues: step numbers the sampler will be asked for.</summary>
    public void ContinueFrom(long step) => (_requestedUpTo, _nextStep) = (step, step);
}
