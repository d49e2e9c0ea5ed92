using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using NasActors.Search;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Training;

/// <summary>The training loop's view of a <see cref="SamplerActor"/>: it asks for paths ahead of need, at fixed step
/// numbers and with the feedback of exactly the steps trained since the last request, so the sampler sees the same
/// requests and feedback in every run; it blocks only when paths have not arrived (the trainer's starvation).
/// Its saved state is what a resumed training needs to keep that schedule: the sampler's state after the last request,
/// the steps proposed but not yet trained, and the feedback not yet sent.</summary>
/// <param name="hosted">The sampler the actor hosts, read here only before the actor starts using it.</param>
internal sealed class ActorFedSampler(IPathSampler hosted, IChoiceSpace space, Func<IActorRef> spawnSampler, IActorRef replyTo, int lookahead) : IPathSampler
{
    readonly BlockingCollection<object> _arrived = new();  // ProposedStep, or the sampler's failure
    readonly Queue<ProposedStep> _received = new();
    readonly List<StepFeedback> _feedback = [];
    readonly Stopwatch _waiting = new();
    CancellationToken _stopWaiting;
    long _requestedUpTo;
    long _nextStep;
    string _latestState = hosted.SaveState();
    readonly IActorRef _sampler = spawnSampler();

    public string Strategy { get; } = hosted.Strategy;

    public int PathsPerStep { get; } = hosted.PathsPerStep;

    public bool WantsOperationGradients { get; } = hosted.WantsOperationGradients;

    public IActorRef Actor => _sampler;

    public TimeSpan Waiting => _waiting.Elapsed;

    /// <summary>Waiting for paths ends with <see cref="OperationCanceledException"/> once <paramref name="cancellation"/>
    /// fires: a stopped trainer must not wait on a sampler that stopped with it.</summary>
    public void StopWaitingOn(CancellationToken cancellation) => _stopWaiting = cancellation;

    /// <summary>Called on the trainer actor's thread when the sampler answers.</summary>
    public void Deliver(PathsProposed proposed)
    {
        foreach (var step in proposed.Steps) _arrived.Add(step);
    }

    /// <summary>Called on the trainer actor's thread when the sampler could not answer: the training fails with the reason.</summary>
    public void Fail(SamplerFailed failed) => _arrived.Add(failed);

    public IReadOnlyList<Architecture> NextStep()
    {
        // Ask for the next batch of steps when half the current one is used up: well before it runs out.
        if (_requestedUpTo - _nextStep <= lookahead / 2)
        {
            _sampler.Tell(new RequestPaths(_requestedUpTo, lookahead, _feedback.ToArray()), replyTo);
            _feedback.Clear();
            _requestedUpTo += lookahead;
        }
        if (_received.Count == 0) Receive(1);
        var step = _received.Dequeue();
        if (step.Step != _nextStep) throw new InvalidOperationException($"sampler of {Strategy} sent step {step.Step}, expected {_nextStep}");
        _nextStep++;
        return step.Paths;
    }

    void Receive(int count)
    {
        _waiting.Start();
        try
        {
            for (var i = 0; i < count; i++)
            {
                switch (_arrived.Take(_stopWaiting))
                {
                    case ProposedStep step:
                        _received.Enqueue(step);
                        _latestState = step.SamplerStateAfter;
                        break;
                    case SamplerFailed failed:
                        throw new NasException($"the {Strategy} sampler failed: {failed.Reason}");
                }
            }
        }
        finally
        {
            _waiting.Stop();
        }
    }

    public void Observe(StepFeedback feedback) => _feedback.Add(feedback);

    public string SaveState()
    {
        // Waits for every requested step: the state to save is the sampler's after the last request.
        Receive((int)(_requestedUpTo - _nextStep) - _received.Count);
        return JsonSerializer.Serialize(new SavedState(_latestState, _requestedUpTo,
            _received.Select(s => new SavedStep(s.Step, s.Paths.Select(p => p.Choices.ToArray()).ToArray())).ToArray(),
            _feedback.Select(f => new SavedFeedback(f.Step, f.Paths.Select(p => p.Choices.ToArray()).ToArray(), f.Losses.ToArray(),
                                                    f.OperationGradientNorms?.ToArray())).ToArray()), Json);
    }

    /// <summary>Only before the first step: the sampler goes back to its state after the last request, and the steps it
    /// had proposed and the feedback not yet sent come back, so requests continue on the uninterrupted schedule.</summary>
    public void RestoreState(string state)
    {
        if (_requestedUpTo != 0) throw new InvalidOperationException("the sampler can only be restored before training starts");
        SavedState saved;
        try
        {
            saved = JsonSerializer.Deserialize<SavedState>(state, Json) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new NasException($"the checkpoint's {Strategy} sampler state is malformed: {e.Message}");
        }
        _sampler.Tell(new RestoreSamplerState(saved.Sampler), replyTo);
        _latestState = saved.Sampler;
        _requestedUpTo = saved.RequestedUpTo;
        foreach (var step in saved.Proposed)
            _received.Enqueue(new ProposedStep(step.Step, step.Paths.Select(c => new Architecture(space, c)).ToArray(), saved.Sampler));
        _nextStep = saved.Proposed.Length > 0 ? saved.Proposed[0].Step : saved.RequestedUpTo;
        _feedback.AddRange(saved.Pending.Select(f => new StepFeedback(f.Step, f.Paths.Select(c => new Architecture(space, c)).ToArray(),
                                                                      f.Losses, f.OperationGradientNorms)));
    }

    /// <summary>Checks that a restored training continues where its sampler state says.</summary>
    public void ContinueFrom(long step)
    {
        if (step != _nextStep) throw new InvalidOperationException($"the {Strategy} sampler state continues at step {_nextStep}, the checkpoint at {step}");
    }

    // Gradient norms are NaN for decisions off the path; doubles round-trip exactly.
    static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    sealed record SavedState(string Sampler, long RequestedUpTo, SavedStep[] Proposed, SavedFeedback[] Pending);

    sealed record SavedStep(long Step, int[][] Paths);

    sealed record SavedFeedback(long Step, int[][] Paths, double[] Losses, double[]? OperationGradientNorms);
}
