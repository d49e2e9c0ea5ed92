namespace NasActors.Actors.Protocol;

/// <summary>What a search run journals: few events, each a decision or a result, never per-step chatter.</summary>
public interface ISearchEvent;

/// <summary>A run began with this spec text and intra-op thread count (results are reproducible per thread count), and
/// the ground-truth architectures every strategy's supernet will score (none when the spec names no table).
/// <paramref name="ResultsInRequestOrder"/>: each strategy's evolution takes results in the order it requested them, not
/// as evaluators answer (every run started since it was added; see <see cref="Runs.SearchRunState.ResultsInRequestOrder"/>).</summary>
public sealed record SearchStarted(string SearchId, string SpecText, int Threads, DateTimeOffset At, IReadOnlyList<string>? GroundTruthArchitectures = null,
                                   bool ResultsInRequestOrder = false) : ISearchEvent;

/// <summary>A strategy's supernet checkpoint is durable: training resumes from the last one committed. Mean loss and
/// throughput are over the steps since the previous checkpoint. <paramref name="ResumedFrom"/>: the step the trainer's job
/// that wrote it started from (0: from scratch), so that the journal shows where every resumed job took up the training.</summary>
public sealed record CheckpointCommitted(string Strategy, long Step, string Path, string Sha256, double MeanLoss = double.NaN, double ImagesPerSecond = 0,
                                         long ResumedFrom = 0) : ISearchEvent;

/// <summary>A checkpoint was found missing or corrupt; the strategy falls back to the one before it.</summary>
public sealed record CheckpointRejected(string Strategy, long Step, string Reason) : ISearchEvent;

/// <summary>A strategy's supernet finished training (its last checkpoint is the final weights). The seconds are those of
/// the trainer's last session: training, and waiting in it for the sampler's paths (starvation).</summary>
public sealed record StrategyTrained(string Strategy, long Steps, string WeightsSha256, double TrainingSeconds = 0, double PathWaitSeconds = 0,
                                     string? PathsDigest = null) : ISearchEvent;

/// <summary>A strategy stopped for good (NaN loss, unusable checkpoint); the others go on.</summary>
public sealed record StrategyFailed(string Strategy, string Reason) : ISearchEvent;

/// <summary>A child model is to be scored with inherited weights; journaled before it is dispatched. A probe scores a
/// ground-truth architecture to measure ranking quality and takes no part in the evolution: with the final weights, or,
/// with <paramref name="ProbeStep"/>, with the checkpoint of that step (ranking quality over training time).
/// <paramref name="ForCombination"/>: a child another member of a combined estimator found, scored so that the
/// combination can rank it (see <see cref="Runs.CombinationSpec"/>); it takes no part in the evolution either.</summary>
public sealed record EvaluationRequested(
    string EvaluationId, string Strategy, string Architecture, string CheckpointPath, string CheckpointSha256, bool Probe = false,
    long? ProbeStep = null, bool ForCombination = false) : ISearchEvent
{
    /// <summary>Whether the evolution proposed it (and takes its result).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEvolution => !Probe && !ForCombination;
}

/// <summary>An evaluation's result, and the evaluator's seconds on it; a second result for the same id is ignored.</summary>
public sealed record EvaluationCompleted(string EvaluationId, double Accuracy, double Seconds = 0) : ISearchEvent;

/// <summary>An evaluation that failed after its last attempt, with the reason.</summary>
public sealed record EvaluationFailed(string EvaluationId, string Reason) : ISearchEvent;

public sealed record SearchPaused(DateTimeOffset At) : ISearchEvent;

public sealed record SearchResumed(DateTimeOffset At) : ISearchEvent;

public sealed record SearchStopped(DateTimeOffset At) : ISearchEvent;

public sealed record SearchCompleted(DateTimeOffset At) : ISearchEvent;
