using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Training;

/// <summary>The training loop's view of a <see cref="SamplerActor"/>: it asks for paths ahead of need, at fixed step
/// counts (so the sampler sees the same requests and feedback in every run), and blocks only when they have not
/// arrived; the time spent waiting is the trainer's starvation.</summary>
internal sealed class ActorFedSampler(string strategy, IActorRef sampler, IActorRef replyTo, string initialState, int lookahead) : IPathSampler
{
    readonly BlockingCollection<ProposedStep> _arrived = new();
    readonly List<StepFeedback> _feedback = [];
    readonly Stopwatch _waiting = new();
    long _requestedUpTo;
    long _nextStep;
    string _state = initialState;

    public string Strategy => strategy;

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
            sampler.Tell(new RequestPaths(_requestedUpTo, lookahead, _feedback.ToArray()), replyTo);
            _feedback.Clear();
            _requestedUpTo += lookahead;
        }
        _waiting.Start();
        var step = _arrived.Take();
        _waiting.Stop();
        if (step.Step != _nextStep) throw new InvalidOperationException($"sampler of {strategy} sent step {step.Step}, expected {_nextStep}");
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
        sampler.Tell(new RestoreSamplerState(state), replyTo);
        _state = state;
    }

    /// <summary>Where a restored training continues: step numbers the sampler will be asked for.</summary>
    public void ContinueFrom(long step) => (_requestedUpTo, _nextStep) = (step, step);
}
