using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Search.Evolution;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Runs;

/// <summary>Where a search run stands as a whole.</summary>
public enum RunPhase { NotStarted, Running, Paused, Stopped, Completed }

/// <summary>A search run's state, built only by <see cref="Apply"/> from its events, live and in recovery alike;
/// decisions (<see cref="ProposeEvaluation"/>) return events and change nothing.</summary>
public sealed class SearchRunState
{
    readonly Dictionary<string, StrategyState> _strategies = new(StringComparer.Ordinal);
    readonly Dictionary<string, EvaluationRecord> _evaluations = new(StringComparer.Ordinal);

    /// <summary>The fitness evolution sees for a child that could not be scored: below any accuracy.</summary>
    public const double FailedEvaluationFitness = -1;

    /// <summary>Evaluations a strategy keeps in flight: enough to keep evaluators busy, few enough that the evolution
    /// still learns from recent results. In a run that takes results in request order it is part of what the journal
    /// means (the n-th proposal sees the results of the first n - 2 requests): changing it changes every such run's replay.</summary>
    public const int EvaluationsInFlight = 2;

    IChoiceSpace _space = Nb201Space.Instance;
    SearchStarted? _started;

    public string SearchId { get; private set; } = "";
    public SearchSpec? Spec { get; private set; }
    public int Threads { get; private set; }
    public RunPhase Phase { get; private set; } = RunPhase.NotStarted;
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>Whether each strategy's evolution takes results in the order it requested them (runs started from
    /// <see cref="SearchStarted.ResultsInRequestOrder"/> on), so that what it proposes does not depend on which evaluator
    /// answers first; false for older journals, whose evolution took results as they were journaled.</summary>
    public bool ResultsInRequestOrder { get; private set; }
    public IReadOnlyCollection<StrategyState> Strategies => _strategies.Values;
    public IReadOnlyDictionary<string, EvaluationRecord> Evaluations => _evaluations;

    /// <summary>Architectures of the spec's ground-truth table, in table order: each trained supernet scores them all.</summary>
    public IReadOnlyList<string> GroundTruthArchitectures { get; private set; } = [];

    public bool IsFinished => Phase is RunPhase.Stopped or RunPhase.Completed;

    public StrategyState Strategy(string id) =>
        _strategies.TryGetValue(id, out var strategy) ? strategy : throw new InvalidOperationException($"run {SearchId} has no strategy '{id}'");

    public void Apply(ISearchEvent @event)
    {
        switch (@event)
        {
            case SearchStarted started:
                _started = started;
                SearchId = started.SearchId;
                Spec = SearchSpec.Parse(started.SpecText, $"journal of {started.SearchId}");
                Threads = started.Threads;
                GroundTruthArchitectures = started.GroundTruthArchitectures ?? [];
                StartedAt = started.At;
                ResultsInRequestOrder = started.ResultsInRequestOrder;
                Phase = RunPhase.Running;
                _space = SearchSpaces.Get(Spec.Space);
                foreach (var strategy in Spec.Strategies)
                    _strategies[strategy.Id] = new StrategyState(strategy, new RegularizedEvolution(_space, Spec.Evolution, strategy.Seed ^ Spec.Seed));
                break;
            case CheckpointCommitted committed:
                Strategy(committed.Strategy).Checkpoints.Add(committed);
                break;
            case CheckpointRejected rejected:
                Strategy(rejected.Strategy).Checkpoints.RemoveAll(c => c.Step == rejected.Step);
                Strategy(rejected.Strategy).CheckpointsRejected++;
                break;
            case StrategyTrained trained:
                Strategy(trained.Strategy).Trained = trained;
                break;
            case StrategyFailed failed:
                Strategy(failed.Strategy).FailureReason = failed.Reason;
                break;
            case EvaluationRequested { ProbeStep: { } step } stepProbe:
                var probed = Strategy(stepProbe.Strategy).StepProbesRequested;
                probed[step] = probed.GetValueOrDefault(step) + 1;
                _evaluations[stepProbe.EvaluationId] = new EvaluationRecord(stepProbe, null, null);
                break;
            case EvaluationRequested { Probe: true } probe:
                Strategy(probe.Strategy).ProbesRequested++;
                _evaluations[probe.EvaluationId] = new EvaluationRecord(probe, null, null);
                break;
            case EvaluationRequested { ForCombination: true } combined:
                _evaluations[combined.EvaluationId] = new EvaluationRecord(combined, null, null);
                break;
            case EvaluationRequested requested:
                var owner = Strategy(requested.Strategy);
                if (ResultsInRequestOrder) ReportInRequestOrder(owner, owner.Evolution, owner.Evolution.Proposed + 1 - EvaluationsInFlight);
                var proposed = owner.Evolution.Propose();
                // Proposals are a pure function of the seed and the order of requests and results, which the journal keeps.
                if (proposed?.ToString() != requested.Architecture)
                    throw new InvalidOperationException($"journal of {SearchId} diverges: evaluation {requested.EvaluationId} asked for " +
                                                        $"{requested.Architecture} where the evolution proposes {proposed}");
                _evaluations[requested.EvaluationId] = new EvaluationRecord(requested, null, null);
                owner.EvolutionRequests.Add(requested.EvaluationId);
                // The last proposal made: nothing waits for the results still held back any more.
                if (ResultsInRequestOrder && owner.Evolution.BudgetSpent) ReportInRequestOrder(owner, owner.Evolution, int.MaxValue);
                break;
            case EvaluationCompleted completed when _evaluations.TryGetValue(completed.EvaluationId, out var record) && record.IsPending:
                _evaluations[completed.EvaluationId] = record with { Accuracy = completed.Accuracy, Seconds = completed.Seconds };
                if (record.Request.IsEvolution) Answered(Strategy(record.Request.Strategy), _evaluations[completed.EvaluationId]);
                break;
            case EvaluationFailed failedEvaluation when _evaluations.TryGetValue(failedEvaluation.EvaluationId, out var failedRecord) && failedRecord.IsPending:
                _evaluations[failedEvaluation.EvaluationId] = failedRecord with { FailureReason = failedEvaluation.Reason };
                if (failedRecord.Request.IsEvolution) Answered(Strategy(failedRecord.Request.Strategy), _evaluations[failedEvaluation.EvaluationId]);
                break;
            case EvaluationCompleted or EvaluationFailed:
                break;  // a duplicate result: the first one counts
            case SearchPaused:
                Phase = RunPhase.Paused;
                break;
            case SearchResumed:
                Phase = RunPhase.Running;
                break;
            case SearchStopped:
                Phase = RunPhase.Stopped;
                break;
            case SearchCompleted:
                Phase = RunPhase.Completed;
                break;
            default:
                throw new InvalidOperationException($"unknown search event {@event.GetType().Name}");
        }
    }

    /// <summary>An evolution child's result reaches its evolution: at once in an older run; in a run that takes results in
    /// request order, when a proposal needs it (<see cref="ReportInRequestOrder"/>), or at once after the last proposal.</summary>
    void Answered(StrategyState strategy, EvaluationRecord answered)
    {
        if (!ResultsInRequestOrder) Report(strategy, strategy.Evolution, answered);
        else if (strategy.Evolution.BudgetSpent) ReportInRequestOrder(strategy, strategy.Evolution, int.MaxValue);
    }

    void Report(StrategyState strategy, RegularizedEvolution evolution, EvaluationRecord answered) =>
        // A child that cannot be scored ranks below every accuracy (every estimator's score) rather than stalling the evolution.
        evolution.Report(_space.Parse(answered.Request.Architecture),
                         answered.Accuracy ?? (strategy.Spec.IsEstimator ? double.MinValue : FailedEvaluationFitness));

    /// <summary>Reports to <paramref name="evolution"/> (the strategy's, or a copy of it) the answered results of the
    /// strategy's evolution requests, in the order they were requested, up to request number <paramref name="upTo"/> (1 is
    /// the first), stopping at the first one still unanswered. So the n-th proposal sees exactly the results of requests
    /// 1 to n - <see cref="EvaluationsInFlight"/>, whichever evaluator answered first; a run whose results arrive in order
    /// proposes exactly what an older run did.</summary>
    void ReportInRequestOrder(StrategyState strategy, RegularizedEvolution evolution, int upTo)
    {
        for (var next = evolution.Reported; next < Math.Min(upTo, strategy.EvolutionRequests.Count); next++)
        {
            var answered = _evaluations[strategy.EvolutionRequests[next]];
            if (answered.IsPending) return;
            Report(strategy, evolution, answered);
        }
    }

    /// <summary>Whether every result the strategy's next proposal must see is in (always, in an older run).</summary>
    bool CanPropose(StrategyState strategy)
    {
        if (!ResultsInRequestOrder) return true;
        var needed = Math.Min(strategy.Evolution.Proposed + 1 - EvaluationsInFlight, strategy.EvolutionRequests.Count);
        for (var i = strategy.Evolution.Reported; i < needed; i++)
            if (_evaluations[strategy.EvolutionRequests[i]].IsPending) return false;
        return true;
    }

    /// <summary>The whole state as a snapshot (an event-sourced state with nothing but what its events gave it).</summary>
    public SearchRunSnapshot ToSnapshot()
    {
        if (_started is null) throw new InvalidOperationException("a run that has not started has no state to snapshot");
        return new SearchRunSnapshot(_started, PhaseNames[Phase],
            _strategies.Values.Select(s => new StrategySnapshot(s.Id, s.Checkpoints.ToArray(), s.Trained, s.FailureReason, s.Evolution.SaveState(),
                s.ProbesRequested, s.StepProbesRequested.Select(p => new StepProbes(p.Key, p.Value)).ToArray(), s.CheckpointsRejected)).ToArray(),
            _evaluations.Values.Select(e => new EvaluationSnapshot(e.Request, e.Accuracy, e.FailureReason, e.Seconds)).ToArray());
    }

    /// <summary>The state a snapshot was taken of: the events after it apply to it as to the state that took it.</summary>
    public static SearchRunState FromSnapshot(SearchRunSnapshot snapshot)
    {
        var state = new SearchRunState();
        state.Apply(snapshot.Started);
        var phase = PhaseNames.SingleOrDefault(p => p.Value == snapshot.Phase);
        if (phase.Value is null) throw new InvalidOperationException($"snapshot of {state.SearchId} has an unknown phase '{snapshot.Phase}'");
        state.Phase = phase.Key;
        if (!snapshot.Strategies.Select(s => s.Id).Order(StringComparer.Ordinal).SequenceEqual(state._strategies.Keys.Order(StringComparer.Ordinal)))
            throw new InvalidOperationException($"snapshot of {state.SearchId} holds strategies {string.Join(", ", snapshot.Strategies.Select(s => s.Id))}, " +
                                                $"its spec {string.Join(", ", state._strategies.Keys)}");
        foreach (var saved in snapshot.Strategies)
        {
            var strategy = new StrategyState(state._strategies[saved.Id].Spec, RegularizedEvolution.Restore(state._space, saved.Evolution))
            {
                Trained = saved.Trained,
                FailureReason = saved.FailureReason,
                ProbesRequested = saved.ProbesRequested,
                CheckpointsRejected = saved.CheckpointsRejected,
            };
            strategy.Checkpoints.AddRange(saved.Checkpoints);
            // A snapshot lists evaluations in request order (the order they were applied in).
            strategy.EvolutionRequests.AddRange(snapshot.Evaluations.Where(e => e.Request.Strategy == saved.Id && e.Request.IsEvolution).Select(e => e.Request.EvaluationId));
            foreach (var probes in saved.StepProbesRequested) strategy.StepProbesRequested[probes.Step] = probes.Requested;
            state._strategies[saved.Id] = strategy;
        }
        foreach (var saved in snapshot.Evaluations)
            state._evaluations.Add(saved.Request.EvaluationId, new EvaluationRecord(saved.Request, saved.Accuracy, saved.FailureReason) { Seconds = saved.Seconds });
        return state;
    }

    // Names on disk: renaming the enum's members must not change snapshots.
    static readonly Dictionary<RunPhase, string> PhaseNames = new()
    {
        [RunPhase.Running] = "running", [RunPhase.Paused] = "paused", [RunPhase.Stopped] = "stopped", [RunPhase.Completed] = "completed",
    };

    /// <summary>The next evaluation a trained strategy asks for: the evolution's next proposal, then the ground-truth
    /// probes; null when both are spent.</summary>
    public EvaluationRequested? ProposeEvaluation(string strategyId)
    {
        var strategy = Strategy(strategyId);
        if (strategy.FailureReason is not null) return null;
        if (Spec!.Evaluation.ProbeCheckpoints && StepProbe(strategy) is { } stepProbe) return stepProbe;
        // An estimator scores freshly initialised children: it has nothing to wait for and no checkpoint to name.
        var checkpoint = strategy.Spec.IsEstimator ? NoCheckpoint : strategy.LatestCheckpoint;
        if (!strategy.IsReady || checkpoint is null) return null;
        if (!strategy.Evolution.BudgetSpent)
        {
            if (!CanPropose(strategy)) return null;
            // Propose on a copy: the state itself changes only when the event is applied.
            var copy = RegularizedEvolution.Restore(_space, strategy.Evolution.SaveState());
            if (ResultsInRequestOrder) ReportInRequestOrder(strategy, copy, copy.Proposed + 1 - EvaluationsInFlight);
            var architecture = copy.Propose()!;
            return new EvaluationRequested($"{strategyId}/{copy.Proposed}", strategyId, architecture.ToString(), checkpoint.Path, checkpoint.Sha256);
        }
        if (strategy.ProbesRequested < GroundTruthArchitectures.Count)
        {
            var index = strategy.ProbesRequested;
            return new EvaluationRequested($"{strategyId}/ground-truth/{index + 1}", strategyId, GroundTruthArchitectures[index],
                                           checkpoint.Path, checkpoint.Sha256, Probe: true);
        }
        if (CombinationCandidate(strategy) is { } candidate)
        {
            var index = _evaluations.Values.Count(e => e.Request.Strategy == strategyId && e.Request.ForCombination);
            return new EvaluationRequested($"{strategyId}/combined/{index + 1}", strategyId, candidate, checkpoint.Path, checkpoint.Sha256,
                                           ForCombination: true);
        }
        return null;
    }

    /// <summary>The next child this strategy scores for a combined estimator it is a member of: one of the other members'
    /// best functions that it has not scored (nor asked for); null when there is none, or none yet.</summary>
    string? CombinationCandidate(StrategyState strategy)
    {
        foreach (var combination in CombinationsOf(strategy).Where(IsRankable))
        {
            var scored = _evaluations.Values.Where(e => e.Request.Strategy == strategy.Id && !e.Request.Probe)
                .Select(e => FunctionOf(e.Request.Architecture)).ToHashSet();
            if (CombinationCandidates(combination).FirstOrDefault(c => !scored.Contains(FunctionOf(c))) is { } candidate) return candidate;
        }
        return null;
    }

    IEnumerable<CombinationSpec> CombinationsOf(StrategyState strategy) => Spec!.Combinations.Where(c => c.Members.Contains(strategy.Id));

    /// <summary>Whether every member of the combination has searched to the end (and none failed): its candidates are known.</summary>
    bool IsRankable(CombinationSpec combination) =>
        combination.Members.Select(Strategy).All(m => m.FailureReason is null && m.IsReady && m.Evolution.IsComplete);

    /// <summary>Whether the combination may still get candidates: no member failed, and one is still searching.</summary>
    bool IsAwaited(CombinationSpec combination) =>
        combination.Members.Select(Strategy).All(m => m.FailureReason is null) && !IsRankable(combination);

    /// <summary>Each member's <see cref="CombinationSpec.CandidatesPerMember"/> best functions by its own evolution's
    /// scores, as the architecture it scored, member by member: what every member of the combination scores.</summary>
    IEnumerable<string> CombinationCandidates(CombinationSpec combination) =>
        combination.Members.SelectMany(member => _evaluations.Values
            .Where(e => e.Request.Strategy == member && e.Request.IsEvolution && e.Accuracy is not null)
            .GroupBy(e => FunctionOf(e.Request.Architecture)).Select(g => g.First())
            .OrderByDescending(e => e.Accuracy).ThenBy(e => e.Request.Architecture, StringComparer.Ordinal)
            .Take(CombinationSpec.CandidatesPerMember).Select(e => e.Request.Architecture));

    string FunctionOf(string architecture) => _space.FunctionOf(architecture);

    /// <summary>The strategies that may have evaluations to propose once <paramref name="strategyId"/> got a result: it,
    /// and the other members of its combined estimators (whose candidates its evolution's end makes known).</summary>
    public IEnumerable<string> AffectedBy(string strategyId) =>
        Spec!.Combinations.Where(c => c.Members.Contains(strategyId)).SelectMany(c => c.Members).Prepend(strategyId).Distinct();

    static readonly CheckpointCommitted NoCheckpoint = new("", 0, "", "");

    /// <summary>The next ground-truth architecture to score with a committed checkpoint before the final one (oldest
    /// first), or null when every such checkpoint has scored all of them.</summary>
    EvaluationRequested? StepProbe(StrategyState strategy)
    {
        var finalStep = strategy.Trained?.Steps;
        foreach (var checkpoint in strategy.Checkpoints.Where(c => c.Step != finalStep))
        {
            var index = strategy.StepProbesRequested.GetValueOrDefault(checkpoint.Step);
            if (index >= GroundTruthArchitectures.Count) continue;
            return new EvaluationRequested($"{strategy.Id}/ground-truth@{checkpoint.Step}/{index + 1}", strategy.Id, GroundTruthArchitectures[index],
                                           checkpoint.Path, checkpoint.Sha256, Probe: true, ProbeStep: checkpoint.Step);
        }
        return null;
    }

    /// <summary>Every child scored so far, in journal order: what rankings are computed from (probes of checkpoints
    /// before the final one are not: they measure ranking quality over training, see the export).</summary>
    public IReadOnlyList<ScoredChild> ScoredChildren() =>
        _evaluations.Values.Where(e => e.Accuracy is not null && e.Request.ProbeStep is null)
            .Select(e => new ScoredChild(e.Request.Strategy, e.Request.Architecture, e.Accuracy!.Value, e.Request.Probe, e.Request.ForCombination)).ToArray();

    /// <summary>Requested evaluations without a result yet: what a recovered run dispatches again.</summary>
    public IEnumerable<EvaluationRequested> PendingEvaluations() =>
        _evaluations.Values.Where(e => e.IsPending).Select(e => e.Request);

    /// <summary>True when every strategy has failed or finished both training and its evaluation budget.</summary>
    public bool AllStrategiesDone =>
        _strategies.Count > 0 && _strategies.Values.All(s => s.FailureReason is not null || (s.IsReady && s.Evolution.IsComplete
            && s.ProbesRequested == GroundTruthArchitectures.Count && !PendingEvaluations().Any(e => e.Strategy == s.Id)
            && !CombinationsOf(s).Any(IsAwaited) && CombinationCandidate(s) is null));
}

/// <summary>One strategy of a run: its checkpoints, whether it trained or failed, and its evolutionary search.</summary>
public sealed class StrategyState(StrategySpec spec, RegularizedEvolution evolution)
{
    public StrategySpec Spec { get; } = spec;
    public string Id => Spec.Id;
    public List<CheckpointCommitted> Checkpoints { get; } = [];
    public CheckpointCommitted? LatestCheckpoint => Checkpoints.Count == 0 ? null : Checkpoints[^1];
    public StrategyTrained? Trained { get; set; }

    /// <summary>Whether the strategy can score children: its supernet trained, or it is an estimator (nothing to train).</summary>
    public bool IsReady => Trained is not null || Spec.IsEstimator;
    public string? FailureReason { get; set; }
    public RegularizedEvolution Evolution { get; } = evolution;
    public int ProbesRequested { get; set; }

    /// <summary>The ids of the evolution's requests (not probes), in the order they were made.</summary>
    public List<string> EvolutionRequests { get; } = [];

    /// <summary>Ground-truth probes requested per checkpoint step before the final one (evaluation.probe-checkpoints).</summary>
    public Dictionary<long, int> StepProbesRequested { get; } = new();
    public int CheckpointsRejected { get; set; }
}

/// <summary>An evaluation as the journal knows it: requested, then completed with an accuracy or failed with a reason.</summary>
public sealed record EvaluationRecord(EvaluationRequested Request, double? Accuracy, string? FailureReason)
{
    /// <summary>The evaluator's seconds on a completed evaluation.</summary>
    public double Seconds { get; init; }

    public bool IsPending => Accuracy is null && FailureReason is null;
}
