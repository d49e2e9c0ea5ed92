using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Telemetry;
using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Runs;

/// <summary>The journal of one search (persistence id <c>search-ID</c>): it decides, journals, then acts. Training
/// and evaluation happen elsewhere; what they report is committed here, and after a crash the run resumes from its
/// last committed checkpoints and dispatches again every evaluation that was requested but never answered. Every N events
/// (nas.search.snapshot-every) it snapshots its state and deletes the events and snapshots before it: recovery replays
/// at most N - 1 events.</summary>
public sealed class SearchRun : ReceivePersistentActor, IWithTimers
{
    /// <summary>Evaluations a strategy keeps in flight (see <see cref="SearchRunState.EvaluationsInFlight"/>).</summary>
    public const int EvaluationsInFlight = SearchRunState.EvaluationsInFlight;

    readonly string _searchId;
    readonly IActorRef _training;
    readonly IActorRef _evaluations;
    readonly SnapshotSettings _snapshots = SnapshotSettings.Create(Context.System.Settings.Config);
    SearchRunState _state = new();
    long? _recoveredFromSnapshot;
    readonly bool _active;
    readonly string? _tensorBoard;
    IActorRef? _ranking;
    readonly TimeSpan _journalRetry = JournalRetryOf(Context.System.Settings.Config);
    // From a recovery of a running search until its journal has taken a probe write; while it is set, reports from
    // trainers and evaluators wait in the stash and the run hands out nothing.
    bool _awaitingJournal;
    JournalFault? _journalFault;

    /// <param name="active">False in an admin process: the run answers and journals commands but trains and
    /// evaluates nothing (a node does that when it starts).</param>
    public SearchRun(string searchId, IActorRef training, IActorRef evaluations, bool active = true, string? tensorBoard = null)
    {
        _searchId = searchId;
        _training = training;
        _evaluations = evaluations;
        _active = active;
        _tensorBoard = tensorBoard;

        Recover<SnapshotOffer>(offer =>
        {
            _state = SearchRunState.FromSnapshot((SearchRunSnapshot)offer.Snapshot);
            _recoveredFromSnapshot = offer.Metadata.SequenceNr;
        });
        Recover<ISearchEvent>(@event => _state.Apply(@event));
        Recover<RecoveryCompleted>(_ =>
        {
            // After a crash, a restart or a failed write (the backoff supervisor starts the run again): say so.
            if (LastSequenceNr > 0)
                Context.GetLogger().Info("search {0} recovered from its journal at event {1} ({2}{3})", _searchId, LastSequenceNr,
                                         _state.Phase.ToString().ToLowerInvariant(), _recoveredFromSnapshot is { } at ? $", from its snapshot at event {at}" : "");
            // The deletion after the snapshot may not have run (a node killed, or stopped, right after it): run it again.
            if (_active && _recoveredFromSnapshot is { } snapshotAt) DeleteMessages(snapshotAt);
            if (_state.Phase != RunPhase.NotStarted) StartRanking();
            // A failed write stopped the last incarnation (a full disk, a database gone): train nothing until the journal
            // takes writes again, or the trainers would write checkpoints the run cannot commit.
            if (_state.Phase == RunPhase.Running && _active) CheckJournal();
        });

        Command<StartSearch>(Start);
        Report<CheckpointSaved>(Commit);
        Report<TrainingFailed>(failed => Fail(failed));
        Report<TrainerLost>(lost =>
        {
            // The job goes back to the queue with every checkpoint committed so far; another trainer resumes it.
            if (!_active || _state.Phase != RunPhase.Running || !_state.Strategies.Any(s => s.Id == lost.Strategy)) return;
            var strategy = _state.Strategy(lost.Strategy);
            if (!strategy.IsReady && strategy.FailureReason is null) Train(strategy);
        });
        Report<CheckpointUnusable>(unusable =>
        {
            if (_state.IsFinished || !_state.Strategies.Any(s => s.Id == unusable.Strategy)) return;
            if (_state.Strategy(unusable.Strategy).Checkpoints.All(c => c.Step != unusable.Step)) return;
            PersistTimed(new CheckpointRejected(unusable.Strategy, unusable.Step, unusable.Reason), Apply);
        });
        Report<EvaluationSucceeded>(succeeded =>
            Record(succeeded.EvaluationId, new EvaluationCompleted(succeeded.EvaluationId, succeeded.Accuracy, succeeded.Seconds)));
        Report<EvaluationGaveUp>(gaveUp => Record(gaveUp.EvaluationId, new EvaluationFailed(gaveUp.EvaluationId, gaveUp.Reason)));
        UserCommand<PauseSearch>(_ => ChangePhase("pause", RunPhase.Running, new SearchPaused(DateTimeOffset.UtcNow), resume: false));
        UserCommand<ResumeSearch>(_ => ChangePhase("resume", RunPhase.Paused, new SearchResumed(DateTimeOffset.UtcNow), resume: true));
        UserCommand<StopSearch>(Stop);
        Command<JournalProbe.Answered>(JournalChecked);
        Command<RetryJournal>(_ => CheckJournal());
        Command<GetSearchStatus>(_ => Sender.Tell(Status()));
        Command<ExportSearch>(_ =>
        {
            Sender.Tell(_state.Phase == RunPhase.NotStarted
                ? new CommandRejected(_searchId, $"unknown search id '{_searchId}'; list the searches with: nas search list")
                : new SearchExport(Status(), Ranking.Compute(_state, int.MaxValue), _state.Spec!.Text,
                    _state.Evaluations.Values.OrderBy(e => e.Request.EvaluationId, StringComparer.Ordinal).Select(e => new ExportedEvaluation(
                        e.Request.EvaluationId, e.Request.Strategy, e.Request.Architecture, e.Request.Probe, e.Accuracy, e.FailureReason, e.Request.ProbeStep, e.Seconds, e.Request.ForCombination)).ToArray(),
                    _state.Strategies.SelectMany(s => s.Checkpoints.Select(c => new ExportedCheckpoint(s.Id, c.Step, c.MeanLoss, c.ImagesPerSecond))).ToArray()));
        });
        Command<SaveSnapshotSuccess>(saved =>
        {
            // The snapshot holds everything before it: the events up to it and older snapshots are redundant.
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => Context.GetLogger().Warning("search {0}: snapshot at event {1} not saved ({2}); its events stay and recovery replays them",
                                                                        _searchId, failed.Metadata.SequenceNr, failed.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => Context.GetLogger().Warning("search {0}: events up to {1} not deleted after a snapshot ({2}); they stay, unused",
                                                                          _searchId, failed.ToSequenceNr, failed.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failed => Context.GetLogger().Warning("search {0}: old snapshots not deleted ({1}); they stay, unused",
                                                                           _searchId, failed.Cause.Message));
        Command<GetRanking>(get =>
        {
            if (_ranking is null) Sender.Tell(new CommandRejected(_searchId, $"unknown search id '{_searchId}'; list the searches with: nas search list"));
            else _ranking.Forward(get);
        });
    }

    public static Props Props(string searchId, IActorRef training, IActorRef evaluations, bool active = true, string? tensorBoard = null)
    {
        if (string.IsNullOrWhiteSpace(searchId)) throw new ArgumentException("a search needs an id", nameof(searchId));
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(evaluations);
        return Akka.Actor.Props.Create(() => new SearchRun(searchId, training, evaluations, active, tensorBoard));
    }

    public static string PersistenceIdOf(string searchId) => $"search-{searchId}";

    /// <summary>How long a run whose journal refused a write waits before it tries again (<c>nas.search.journal-retry</c>).</summary>
    public static TimeSpan JournalRetryOf(Config config)
    {
        var retry = config.GetTimeSpan("nas.search.journal-retry", TimeSpan.FromSeconds(10), allowInfinite: false);
        if (retry <= TimeSpan.Zero)
            throw new NasException($"nas.search.journal-retry = {config.GetString("nas.search.journal-retry")} is invalid: expected a positive duration such as 10s");
        return retry;
    }

    sealed record RetryJournal
    {
        public static readonly RetryJournal Instance = new();
    }

    /// <summary>A message from a trainer or an evaluator: handled at once, or stashed while the run waits for its journal.</summary>
    void Report<T>(Action<T> handle) => Command<T>(message =>
    {
        if (_awaitingJournal) Stash.Stash();
        else handle(message);
    });

    /// <summary>A command from a person: refused, naming the journal's fault, while the journal refuses writes.</summary>
    void UserCommand<T>(Action<T> handle) => Command<T>(message =>
    {
        if (_journalFault is { } fault) Sender.Tell(new CommandRejected(_searchId, $"search {_searchId} cannot take commands now: {fault.Describe(_journalRetry)}"));
        else if (_awaitingJournal) Stash.Stash();
        else handle(message);
    });

    /// <summary>Persists and deletes one probe event under a persistence id of the run's own; training and evaluation go on
    /// once it is answered.</summary>
    void CheckJournal()
    {
        _awaitingJournal = true;
        var patience = TimeSpan.FromSeconds(30);
        var probe = Context.ActorOf(JournalProbe.Props($"journal-check-{PersistenceId}"));
        probe.Ask<JournalProbe.Answered>(JournalProbe.Probe.Instance, patience).PipeTo(Self, failure: _ =>
        {
            // A probe still waiting for the journal would race the next one for its sequence numbers.
            probe.Tell(PoisonPill.Instance);
            return new JournalProbe.Answered(false, $"the journal did not answer a probe write within {patience.TotalSeconds:0} s");
        });
    }

    void JournalChecked(JournalProbe.Answered answer)
    {
        if (answer.Ok)
        {
            if (_journalFault is { } fault)
                Context.GetLogger().Info("search {0}: the journal takes writes again (it refused them since {1:u}); the run continues from its last committed state",
                                         _searchId, fault.Since);
            _journalFault = null;
            _awaitingJournal = false;
            Stash.UnstashAll();
            if (_state.Phase == RunPhase.Running) Continue();
            return;
        }
        if (_journalFault is null) Context.GetLogger().Warning("search {0} paused: {1}", _searchId, answer.Detail);
        _journalFault = new JournalFault(answer.Detail, _journalFault?.Since ?? DateTimeOffset.UtcNow);
        Timers.StartSingleTimer(RetryJournal.Instance, RetryJournal.Instance, _journalRetry);
    }

    /// <summary>A write the journal failed stops the run (Akka's rule for a persistent actor); its backoff supervisor starts it
    /// again, and the new run checks the journal before it goes on. Until then nothing should train on its behalf.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.GetLogger().Error(cause, "search {0}: the journal did not write event {1} ({2}): {3}; the run stops and starts again from its journal",
                                  _searchId, sequenceNr, @event.GetType().Name, cause.Message);
        if (_active) _training.Tell(new StopTraining(_searchId));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>The distinct architectures of the spec's ground-truth table (none when it names no table); a missing or
    /// malformed table throws <see cref="NasException"/>.</summary>
    public static IReadOnlyList<string> GroundTruthOf(SearchSpec spec) =>
        spec.GroundTruth is null
            ? []
            : GroundTruthTable.Read(spec.GroundTruth, SearchSpaces.Get(spec.Space)).Rows.Select(r => r.Architecture).Distinct().ToArray();

    public override string PersistenceId => PersistenceIdOf(_searchId);

    public ITimerScheduler Timers { get; set; } = null!;

    void Start(StartSearch start)
    {
        if (_state.Phase != RunPhase.NotStarted)
        {
            Sender.Tell(new CommandRejected(_searchId, $"search {_searchId} already exists ({_state.Phase})"));
            return;
        }
        IReadOnlyList<string> groundTruth;
        try
        {
            var spec = SearchSpec.Parse(start.SpecText, $"spec of {_searchId}");
            groundTruth = start.GroundTruthArchitectures ?? GroundTruthOf(spec);
        }
        catch (NasException e)
        {
            Sender.Tell(new CommandRejected(_searchId, e.Message));
            return;
        }
        var sender = Sender;
        // Results in request order: what the evolutions propose does not depend on which evaluator answers first (a cluster's
        // evaluators, or one that died and had its work replayed elsewhere), so a run killed anywhere ends as one never interrupted.
        PersistTimed(new SearchStarted(_searchId, start.SpecText, start.Threads, DateTimeOffset.UtcNow, groundTruth, ResultsInRequestOrder: true), started =>
        {
            Apply(started);
            StartRanking();
            sender.Tell(new CommandAccepted(_searchId, "start"));
            Continue();
        });
    }

    void Commit(CheckpointSaved saved)
    {
        if (_state.IsFinished || !_state.Strategies.Any(s => s.Id == saved.Strategy)) return;
        var strategy = _state.Strategy(saved.Strategy);
        // A trainer restarted elsewhere may report a step again: commit each step once.
        if (strategy.Trained is not null || (strategy.LatestCheckpoint?.Step ?? -1) >= saved.Step) return;
        var committed = new CheckpointCommitted(saved.Strategy, saved.Step, saved.Path, saved.Sha256, saved.MeanLoss, saved.ImagesPerSecond, saved.ResumedFrom);
        if (!saved.Final)
        {
            PersistTimed(committed, @event =>
            {
                Apply(@event);
                if (_state.Phase == RunPhase.Running && _state.Spec!.Evaluation.ProbeCheckpoints) DispatchEvaluations(saved.Strategy);
            });
            return;
        }
        PersistAllTimed(new ISearchEvent[] { committed, new StrategyTrained(saved.Strategy, saved.Step, saved.WeightsSha256, saved.TrainingSeconds, saved.PathWaitSeconds, saved.PathsDigest) }, @event =>
        {
            Apply(@event);
            if (@event is StrategyTrained && _state.Phase == RunPhase.Running) DispatchEvaluations(saved.Strategy);
        });
    }

    void Fail(TrainingFailed failed)
    {
        if (_state.IsFinished || !_state.Strategies.Any(s => s.Id == failed.Strategy)) return;
        if (_state.Strategy(failed.Strategy).FailureReason is not null) return;
        PersistTimed(new StrategyFailed(failed.Strategy, failed.Reason), @event =>
        {
            Apply(@event);
            CompleteIfDone();
        });
    }

    void Record(string evaluationId, ISearchEvent result)
    {
        // Results are de-duplicated by evaluation id: a replayed evaluation may answer twice.
        if (_state.IsFinished || !_state.Evaluations.TryGetValue(evaluationId, out var record) || !record.IsPending) return;
        PersistTimed(result, @event =>
        {
            Apply(@event);
            if (@event is EvaluationCompleted completed)
                _ranking?.Tell(record.Request.ProbeStep is { } step
                    ? new RankingActor.StepProbeScored(record.Request.Strategy, step, record.Request.Architecture, completed.Accuracy)
                    : new ScoredChild(record.Request.Strategy, record.Request.Architecture, completed.Accuracy, record.Request.Probe, record.Request.ForCombination));
            if (_state.Phase == RunPhase.Running)
                foreach (var strategy in _state.AffectedBy(record.Request.Strategy)) DispatchEvaluations(strategy);
            CompleteIfDone();
        });
    }

    void ChangePhase(string command, RunPhase required, ISearchEvent @event, bool resume)
    {
        if (_state.Phase != required)
        {
            Sender.Tell(new CommandRejected(_searchId, _state.Phase == RunPhase.NotStarted
                ? $"unknown search id '{_searchId}'; list the searches with: nas search list"
                : $"cannot {command} search {_searchId}: it is {_state.Phase.ToString().ToLowerInvariant()}"));
            return;
        }
        var sender = Sender;
        PersistTimed(@event, applied =>
        {
            Apply(applied);
            sender.Tell(new CommandAccepted(_searchId, command));
            if (resume) Continue();
            else _training.Tell(new StopTraining(_searchId));
        });
    }

    void Stop(StopSearch stop)
    {
        if (_state.Phase is RunPhase.NotStarted || _state.IsFinished)
        {
            Sender.Tell(new CommandRejected(_searchId, _state.Phase == RunPhase.NotStarted
                ? $"unknown search id '{_searchId}'; list the searches with: nas search list"
                : $"search {_searchId} is already {_state.Phase.ToString().ToLowerInvariant()}"));
            return;
        }
        var sender = Sender;
        PersistTimed(new SearchStopped(DateTimeOffset.UtcNow), stopped =>
        {
            Apply(stopped);
            sender.Tell(new CommandAccepted(_searchId, "stop"));
            _training.Tell(new StopTraining(_searchId));
        });
    }

    /// <summary>The run's <see cref="RankingActor"/>, given everything scored so far.</summary>
    void StartRanking()
    {
        var spec = _state.Spec!;
        _ranking ??= Context.ActorOf(RankingActor.Props(_searchId, spec.GroundTruth, spec.Space, _tensorBoard ?? spec.Training.TensorBoard), "ranking");
        _ranking.Tell(new RankingActor.Reset(_state.Strategies.Select(s => s.Id).ToArray(), _state.ScoredChildren(), Ranking.EstimatorsOf(spec), spec.Combinations));
    }

    /// <summary>After a start, a resume or a recovery: hand out training that is not done, send again evaluations
    /// that were requested but never answered, and ask for new ones.</summary>
    void Continue()
    {
        if (!_active) return;
        foreach (var strategy in _state.Strategies.Where(s => !s.IsReady && s.FailureReason is null)) Train(strategy);
        foreach (var pending in _state.PendingEvaluations())
            _evaluations.Tell(new EvaluateChild(_searchId, pending, _state.Spec!.Text));
        foreach (var strategy in _state.Strategies.Where(s => s.IsReady || _state.Spec!.Evaluation.ProbeCheckpoints))
            DispatchEvaluations(strategy.Id);
        CompleteIfDone();
    }

    void Train(StrategyState strategy) =>
        _training.Tell(new TrainStrategy(_searchId, strategy.Id, TrainingSpecText(), _state.Threads, strategy.Checkpoints.ToArray()));

    /// <summary>The spec the trainers read: the journaled one, writing TensorBoard files to the node's folder if it has one.</summary>
    string TrainingSpecText() => _tensorBoard is null ? _state.Spec!.Text : _state.Spec!.WithTensorBoard(_tensorBoard).Text;

    /// <summary>Journals and sends one evaluation request at a time, each proposed from the state that includes the last.</summary>
    void DispatchEvaluations(string strategyId)
    {
        if (!_active) return;
        var inFlight = _state.PendingEvaluations().Count(e => e.Strategy == strategyId);
        if (inFlight >= EvaluationsInFlight) return;
        var request = _state.ProposeEvaluation(strategyId);
        if (request is null) return;
        PersistTimed(request, requested =>
        {
            Apply(requested);
            _evaluations.Tell(new EvaluateChild(_searchId, requested, _state.Spec!.Text));
            DispatchEvaluations(strategyId);
        });
    }

    void CompleteIfDone()
    {
        if (_state.Phase != RunPhase.Running || !_state.AllStrategiesDone) return;
        PersistTimed(new SearchCompleted(DateTimeOffset.UtcNow), Apply);
    }

    /// <summary>Persists, timing the journal from the call to its confirmation (nas_journal_write_duration_seconds).</summary>
    void PersistTimed<TEvent>(TEvent @event, Action<TEvent> handler) => PersistAllTimed([@event], handler);

    /// <summary><see cref="PersistTimed{TEvent}"/> for events written in one batch: each is timed to its own confirmation.</summary>
    void PersistAllTimed<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PersistAll(events, persisted =>
        {
            NasMetrics.JournalWriteSeconds.Record(clock.Elapsed.TotalSeconds);
            handler(persisted);
        });
    }

    /// <summary>Applies a journaled event, then snapshots when its sequence number is a multiple of the interval.</summary>
    void Apply(ISearchEvent @event)
    {
        _state.Apply(@event);
        if (_snapshots.IsDue(LastSequenceNr)) SaveSnapshot(_state.ToSnapshot());
    }

    SearchStatus Status() => new(_searchId, _state.Spec?.Name ?? "", _state.Phase, Strategies: _state.Strategies.Select(s =>
    {
        var evaluations = _state.Evaluations.Values.Where(e => e.Request.Strategy == s.Id).ToArray();
        var searched = evaluations.Where(e => e.Request.IsEvolution).ToArray();
        var best = s.Evolution.Best;
        return new StrategyStatus(s.Id, s.Spec.Sampler, s.LatestCheckpoint?.Step ?? 0, s.Spec.Steps, s.IsReady,
            s.FailureReason, searched.Count(e => e.Accuracy is not null), evaluations.Count(e => e.FailureReason is not null),
            evaluations.Count(e => e.IsPending), _state.Spec!.Evolution.Budget, best?.Architecture.ToString(), best?.Fitness,
            s.LatestCheckpoint?.MeanLoss ?? double.NaN, s.LatestCheckpoint?.ImagesPerSecond ?? 0,
            evaluations.Count(e => e.Request.Probe && e.Request.ProbeStep is null && e.Accuracy is not null), _state.GroundTruthArchitectures.Count, s.Trained?.WeightsSha256,
            s.Trained?.TrainingSeconds ?? 0, s.Trained?.PathWaitSeconds ?? 0, s.CheckpointsRejected, s.Trained?.PathsDigest);
    }).ToArray(), JournalFault: _journalFault?.Describe(_journalRetry));
}

/// <summary>Since when, and why, the journal refuses a run's writes.</summary>
sealed record JournalFault(string Reason, DateTimeOffset Since)
{
    public string Describe(TimeSpan retry) =>
        $"its journal refuses writes since {Since:HH:mm:ss} UTC ({Reason}); training is stopped, nothing committed is lost, and it " +
        $"tries again every {retry.TotalSeconds:0.#} s: free space on the journal's disk, or bring its database back";
}
