using NasActors.Actors.Runs;

namespace NasActors.Actors.Protocol;

/// <summary>Admin commands to one search run, and its replies.</summary>
public interface ISearchCommand
{
    string SearchId { get; }
}

/// <summary>Start a run of this spec. <paramref name="GroundTruthArchitectures"/>: the spec's ground-truth table as the
/// search manager read it when it validated the spec (null: the run reads the table itself).</summary>
public sealed record StartSearch(string SearchId, string SpecText, int Threads, IReadOnlyList<string>? GroundTruthArchitectures = null) : ISearchCommand;

public sealed record PauseSearch(string SearchId) : ISearchCommand;

public sealed record ResumeSearch(string SearchId) : ISearchCommand;

public sealed record StopSearch(string SearchId) : ISearchCommand;

public sealed record GetSearchStatus(string SearchId) : ISearchCommand;

/// <summary>Asks for each strategy's leaderboard (top <paramref name="TopK"/>) and, with a ground-truth table, its ranking quality.</summary>
public sealed record GetRanking(string SearchId, int TopK = 10) : ISearchCommand;

/// <summary>Asks for everything a run knows, for <c>nas search export</c>.</summary>
public sealed record ExportSearch(string SearchId) : ISearchCommand;

/// <summary>A run's status, full ranking, spec, every evaluation and every committed checkpoint (the training curve),
/// as exported to JSON and drawn in reports.</summary>
public sealed record SearchExport(SearchStatus Status, SearchRanking Ranking, string Spec, IReadOnlyList<ExportedEvaluation> Evaluations,
                                  IReadOnlyList<ExportedCheckpoint>? Checkpoints = null);

/// <summary>A committed checkpoint: the step, and the mean loss and throughput since the one before.</summary>
public sealed record ExportedCheckpoint(string Strategy, long Step, double MeanLoss, double ImagesPerSecond);

/// <summary>One evaluation of a run; <paramref name="Seconds"/> is the evaluator's time on it (0 in journals from before it was kept);
/// <paramref name="ForCombination"/>: scored for a combined estimator, not proposed by the evolution.</summary>
public sealed record ExportedEvaluation(string EvaluationId, string Strategy, string Architecture, bool GroundTruthProbe, double? Accuracy, string? FailureReason,
                                        long? ProbeStep = null, double Seconds = 0, bool ForCombination = false);

/// <summary>Per strategy: the best child models found and how well the supernet ranks the ground-truth architectures.</summary>
public sealed record SearchRanking(string SearchId, IReadOnlyList<StrategyRanking> Strategies);

/// <summary>One strategy's leaderboard and, when the run has a ground truth, Kendall tau, Spearman rho and top-10 overlap
/// between its inherited-weight estimates and stand-alone test accuracy, over <paramref name="Probed"/> architectures.
/// <paramref name="Estimator"/> names the zero-cost estimator of a strategy that trains nothing (its scores are not
/// accuracies). <paramref name="Top1Percentile"/> and <paramref name="Top5Percentile"/>: where the best one and best five
/// of its estimates stand in the truth (1 = the table's best). <paramref name="Combines"/>: the members of a combined
/// estimator (search.combine), whose scores are mean-rank shares from 0 to 1, not accuracies.</summary>
public sealed record StrategyRanking(
    string Strategy, IReadOnlyList<RankedChild> Leaderboard, int Probed, double? KendallTau, double? SpearmanRho, double? TopOverlap,
    string? Estimator = null, double? Top1Percentile = null, double? Top5Percentile = null, IReadOnlyList<string>? Combines = null)
{
    /// <summary>Whether its leaderboard holds scores rather than inherited-weight accuracies.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsScore => Estimator is not null || Combines is not null;
}

/// <summary>A child model with its inherited-weight accuracy (or estimator score), its stand-alone accuracy when the
/// ground truth has it, and how many architectures of the space compute the same function (<paramref name="Aliases"/>).</summary>
public sealed record RankedChild(string Architecture, double Accuracy, double? TrueAccuracy, int Aliases = 1);

/// <summary>Published on the event stream whenever a run's ranking changes (its top 10 per strategy).</summary>
public sealed record RankingUpdated(SearchRanking Ranking);

/// <summary>The command was carried out (and journaled).</summary>
public sealed record CommandAccepted(string SearchId, string Command);

/// <summary>The command was refused and nothing was journaled; the reason says why and what to do.</summary>
public sealed record CommandRejected(string SearchId, string Reason);

/// <summary>A run's phase, and per strategy its training progress and evaluations. <paramref name="JournalFault"/>: why the
/// run is held (its journal refuses writes) and what to do, or null.</summary>
public sealed record SearchStatus(string SearchId, string Name, RunPhase Phase, IReadOnlyList<StrategyStatus> Strategies, string? JournalFault = null);

public sealed record StrategyStatus(
    string Strategy, string Sampler, long CheckpointStep, long Steps, bool Trained, string? FailureReason,
    int EvaluationsCompleted, int EvaluationsFailed, int EvaluationsPending, int Budget, string? BestArchitecture, double? BestAccuracy,
    double MeanLoss = double.NaN, double ImagesPerSecond = 0, int ProbesCompleted = 0, int Probes = 0, string? WeightsSha256 = null,
    double TrainingSeconds = 0, double PathWaitSeconds = 0, int CheckpointsRejected = 0, string? PathsDigest = null)
{
    /// <summary>A zero-cost estimator's strategy: nothing to train (a supernet trains at least one step), and its
    /// <see cref="BestAccuracy"/> is a score, not an accuracy.</summary>
    public bool IsEstimator => Steps == 0;
}

/// <summary>Training work a run hands out: train this strategy's supernet, resuming from the newest usable of its
/// committed checkpoints (oldest first), if any.</summary>
public sealed record TrainStrategy(string SearchId, string Strategy, string SpecText, int Threads, IReadOnlyList<CheckpointCommitted> Checkpoints)
{
    public CheckpointCommitted? ResumeFrom => Checkpoints.Count == 0 ? null : Checkpoints[^1];
}

/// <summary>A trainer found a committed checkpoint missing or corrupt and went back to an earlier one.</summary>
public sealed record CheckpointUnusable(string SearchId, string Strategy, long Step, string Reason);

/// <summary>Stop training a run's strategies (the run was paused or stopped); the last committed checkpoint stands.</summary>
public sealed record StopTraining(string SearchId);

/// <summary>A trainer wrote a checkpoint (the final one when <paramref name="Final"/>); the run commits it.
/// <paramref name="ResumedFrom"/>: the checkpoint step the job started from (0: from scratch).</summary>
public sealed record CheckpointSaved(string SearchId, string Strategy, long Step, string Path, string Sha256, bool Final, string WeightsSha256,
                                     double MeanLoss = double.NaN, double ImagesPerSecond = 0, double TrainingSeconds = 0, double PathWaitSeconds = 0,
                                     string PathsDigest = "", long ResumedFrom = 0);

/// <summary>A strategy's training cannot go on (NaN loss, unusable checkpoint); the reason is for people.</summary>
public sealed record TrainingFailed(string SearchId, string Strategy, string Reason);

/// <summary>Score one journaled evaluation request; answered with <see cref="EvaluationSucceeded"/> or <see cref="EvaluationGaveUp"/>.</summary>
public sealed record EvaluateChild(string SearchId, EvaluationRequested Request, string SpecText);

public sealed record EvaluationSucceeded(string SearchId, string EvaluationId, double Accuracy, double Seconds = 0);

public sealed record EvaluationGaveUp(string SearchId, string EvaluationId, string Reason);
