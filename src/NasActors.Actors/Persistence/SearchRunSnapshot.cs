using NasActors.Actors.Protocol;

namespace NasActors.Actors.Persistence;

/// <summary>A search run's whole state after one event (the snapshot's sequence number): recovery starts from it and
/// replays only the events after it. Built and read by <c>SearchRunState</c>; stored as search-run-snapshot.vN.</summary>
/// <param name="Phase">running, paused, stopped or completed (names on disk, not the enum's).</param>
/// <param name="Evaluations">In the order they were requested (the order rankings and exports follow).</param>
public sealed record SearchRunSnapshot(SearchStarted Started, string Phase, IReadOnlyList<StrategySnapshot> Strategies, IReadOnlyList<EvaluationSnapshot> Evaluations);

/// <summary>One strategy: its committed checkpoints, training outcome, and evolution (its own JSON state, RNG included).</summary>
public sealed record StrategySnapshot(
    string Id, IReadOnlyList<CheckpointCommitted> Checkpoints, StrategyTrained? Trained, string? FailureReason, string Evolution,
    int ProbesRequested, IReadOnlyList<StepProbes> StepProbesRequested, int CheckpointsRejected);

/// <summary>Ground-truth probes requested with the checkpoint of <paramref name="Step"/>.</summary>
public sealed record StepProbes(long Step, int Requested);

/// <summary>A requested evaluation and its outcome so far (neither accuracy nor reason: still pending).</summary>
public sealed record EvaluationSnapshot(EvaluationRequested Request, double? Accuracy, string? FailureReason, double Seconds);
