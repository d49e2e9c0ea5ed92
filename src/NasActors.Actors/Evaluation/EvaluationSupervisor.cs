using Akka.Actor;
using Akka.Event;
using NasActors.Actors.Protocol;
using NasActors.Actors.Telemetry;

namespace NasActors.Actors.Evaluation;

/// <summary>Takes <see cref="EvaluateChild"/> work (from one run or several), queues it, dispatches it to idle
/// <see cref="EvaluatorActor"/>s and answers each request exactly once, to its sender: <see cref="EvaluationSucceeded"/>,
/// or <see cref="EvaluationGaveUp"/> with the reason. An evaluator that crashes is restarted (supervision), one that
/// stops is replaced (death watch); the evaluation it held is tried again after an exponential backoff until the spec's
/// <c>evaluation.max-attempts</c>. Work that cannot succeed (a corrupt checkpoint, a bad spec) gives up at once.
/// In a cluster the evaluators live on evaluator nodes and register here; one whose node is lost takes its slot
/// with it, and the evaluation it held is replayed on another.</summary>
public sealed class EvaluationSupervisor : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan DefaultRetryBackoff = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxRetryBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Answers kept to send again when a recovered run asks once more for an evaluation already answered.</summary>
    public const int RememberedAnswers = 10_000;

    readonly TimeSpan _retryBackoff;
    readonly List<Slot> _slots;
    readonly SpecCache _specs = new();
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly Dictionary<EvaluationKey, Job> _jobs = new();  // requested and not answered yet: queued, in flight or waiting to retry
    readonly Queue<EvaluationKey> _ready = new();
    readonly Dictionary<EvaluationKey, object> _answers = new();
    readonly Queue<EvaluationKey> _answerOrder = new();
    readonly NasMetrics.EvaluationLoad _load = NasMetrics.ObserveEvaluations();
    int _replayed;

    public EvaluationSupervisor(Func<IChildEvaluator> evaluatorFactory, int evaluators, TimeSpan retryBackoff)
    {
        _retryBackoff = retryBackoff;
        _slots = Enumerable.Range(0, evaluators).Select(index =>
        {
            var evaluator = evaluatorFactory();
            return new Slot(index, evaluator, "local", evaluator.Device);
        }).ToList();

        Receive<RegisterEvaluator>(Register);
        Receive<ListWorkers>(_ => Sender.Tell(new EvaluatorList(
            _slots.Select(s => new EvaluatorInfo(s.Node, s.InFlight is { } run ? $"{run.Work.SearchId}/{run.EvaluationId}" : null, s.Device)).ToArray(),
            _jobs.Count, _replayed)));
        Receive<EvaluateChild>(Enqueue);
        Receive<EvaluationAttemptSucceeded>(Succeeded);
        Receive<EvaluationAttemptFailed>(failed => Failed(failed.Run, failed.Reason, failed.Retryable));
        Receive<Terminated>(Vanished);
        Receive<RetryDue>(due => Retry(due.Key));
    }

    /// <summary>A supervisor of <paramref name="evaluators"/> evaluators. <paramref name="evaluatorFactory"/> is called once
    /// per evaluator: a restarted or replaced evaluator keeps what it made (and its caches), and the supervisor disposes it
    /// when it stops. <paramref name="retryBackoff"/> is the wait before the second attempt, doubled before each next.</summary>
    public static Props Props(Func<IChildEvaluator> evaluatorFactory, int evaluators = 1, TimeSpan? retryBackoff = null)
    {
        ArgumentNullException.ThrowIfNull(evaluatorFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(evaluators, 1);
        var backoff = retryBackoff ?? DefaultRetryBackoff;
        if (backoff <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(retryBackoff), backoff, "the retry backoff must be positive");
        return Akka.Actor.Props.Create(() => new EvaluationSupervisor(evaluatorFactory, evaluators, backoff));
    }

    /// <summary>A supervisor with no evaluators of its own: evaluators on evaluator nodes register with it.</summary>
    public static Props ForCluster(TimeSpan? retryBackoff = null)
    {
        var backoff = retryBackoff ?? DefaultRetryBackoff;
        return Akka.Actor.Props.Create(() => new EvaluationSupervisor(NoLocalEvaluators, 0, backoff));
    }

    static IChildEvaluator NoLocalEvaluators() => throw new InvalidOperationException("a cluster's supervisor makes no evaluators of its own");

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        // A scrape shows these counters at 0 from the start, not only after the first of each.
        NasMetrics.EvaluationsCompleted.Add(0);
        NasMetrics.EvaluationsFailed.Add(0);
        NasMetrics.EvaluationsReplayed.Add(0);
        foreach (var slot in _slots) StartEvaluator(slot);
    }

    void Register(RegisterEvaluator register)
    {
        if (_slots.Any(s => s.Actor.Equals(register.Evaluator))) return;
        _slots.Add(new Slot(_slots.Count, evaluator: null, register.Node, register.Device) { Actor = register.Evaluator });
        Context.Watch(register.Evaluator);
        _log.Info("evaluator {0} on {1} ({2}) registered", register.Evaluator.Path, register.Node, register.Device);
        Dispatch();
    }

    protected override void PostStop()
    {
        _load.Dispose();
        // An evaluation may still be running on a thread-pool thread: dispose there, after it, and wait (bounded), since
        // a process that exits while an evaluation is still in libtorch can crash.
        var disposals = _slots.Select(s => s.Evaluator).OfType<IDisposable>().Select(d => Task.Run(d.Dispose)).ToArray();
        if (!Task.WaitAll(disposals, TimeSpan.FromMinutes(1))) _log.Warning("an evaluation did not end within a minute of its supervisor");
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(cause => cause switch
        {
            // One that cannot even be built, or was killed, is stopped; death watch replaces it.
            ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
            _ => Directive.Restart,
        });

    void Enqueue(EvaluateChild work)
    {
        var key = new EvaluationKey(work.SearchId, work.Request.EvaluationId);
        if (_answers.TryGetValue(key, out var answer))
        {
            _log.Info("evaluation {EvaluationId} of search {SearchId} was answered before: answering again", key.EvaluationId, key.SearchId);
            Sender.Tell(answer);
            return;
        }
        if (_jobs.TryGetValue(key, out var pending))
        {
            // The same journaled request sent again (a run that recovered): one job, answered to the latest sender.
            pending.ReplyTo = Sender;
            return;
        }
        int maxAttempts;
        try
        {
            maxAttempts = _specs.Get(work.SpecText, work.SearchId).Evaluation.MaxAttempts;
        }
        catch (NasException e)
        {
            _log.Warning("evaluation {EvaluationId} of search {SearchId} cannot run: {Reason}", key.EvaluationId, key.SearchId, e.Message);
            NasMetrics.EvaluationsFailed.Add(1);
            Answer(key, Sender, new EvaluationGaveUp(key.SearchId, key.EvaluationId, e.Message));
            return;
        }
        _jobs.Add(key, new Job(work, Sender, maxAttempts));
        _ready.Enqueue(key);
        Dispatch();
    }

    void Dispatch()
    {
        while (_ready.Count > 0 && _slots.Find(s => s.InFlight is null) is { } slot)
        {
            var key = _ready.Dequeue();
            if (!_jobs.TryGetValue(key, out var job)) continue;
            job.Attempts++;
            if (job.Attempts > 1)
            {
                _replayed++;
                NasMetrics.EvaluationsReplayed.Add(1);
            }
            slot.Dispatched++;
            var run = new RunEvaluation(job.Work, job.Attempts, slot.Dispatched);
            slot.InFlight = run;
            slot.Actor.Tell(run);
        }
        // Every change of the queue ends here: the gauges read what it leaves.
        var running = _slots.Count(s => s.InFlight is not null);
        _load.Set(_jobs.Count - running, running);
    }

    void Succeeded(EvaluationAttemptSucceeded succeeded)
    {
        if (!Release(succeeded.Run)) return;
        var key = KeyOf(succeeded.Run);
        if (_jobs.Remove(key, out var job))
        {
            Answer(key, job.ReplyTo, new EvaluationSucceeded(key.SearchId, key.EvaluationId, succeeded.Accuracy, succeeded.Seconds));
            NasMetrics.EvaluationsCompleted.Add(1);
        }
        Dispatch();
    }

    void Failed(RunEvaluation run, string reason, bool retryable)
    {
        if (Release(run)) AttemptFailed(KeyOf(run), reason, retryable);
        Dispatch();
    }

    /// <summary>An attempt the supervisor held in a slot failed (the slot is already free): retry after a backoff, or
    /// give up.</summary>
    void AttemptFailed(EvaluationKey key, string reason, bool retryable)
    {
        if (!_jobs.TryGetValue(key, out var job)) return;
        if (!retryable)
        {
            _log.Warning("evaluation {EvaluationId} of search {SearchId} failed and cannot be retried: {Reason}", key.EvaluationId, key.SearchId, reason);
            GiveUp(key, job, reason);
        }
        else if (job.Attempts >= job.MaxAttempts)
        {
            _log.Warning("evaluation {EvaluationId} of search {SearchId}: attempt {Attempt} of {MaxAttempts} failed ({Reason}); giving up",
                         key.EvaluationId, key.SearchId, job.Attempts, job.MaxAttempts, reason);
            GiveUp(key, job, $"{reason} (attempt {job.Attempts} of {job.MaxAttempts})");
        }
        else
        {
            var delay = Backoff(job.Attempts);
            _log.Warning("evaluation {EvaluationId} of search {SearchId}: attempt {Attempt} of {MaxAttempts} failed ({Reason}); retrying in {DelayMs} ms",
                         key.EvaluationId, key.SearchId, job.Attempts, job.MaxAttempts, reason, (long)delay.TotalMilliseconds);
            Timers.StartSingleTimer(key, new RetryDue(key), delay);  // one timer per evaluation, keyed by it
        }
    }

    void Vanished(Terminated terminated)
    {
        var slot = _slots.Find(s => s.Actor.Equals(terminated.ActorRef));
        if (slot is null) return;
        var lost = slot.InFlight;
        var what = lost is null ? "" : $" while evaluating {lost.EvaluationId} of search {lost.Work.SearchId}";
        if (slot.Evaluator is null)
        {
            // A remote evaluator (or its node) is gone: its node registers a new one if it can.
            _log.Warning("evaluator {0} on {1} is gone{2}", terminated.ActorRef.Path, slot.Node, what);
            _slots.Remove(slot);
        }
        else
        {
            _log.Warning("evaluator {0} stopped{1}; starting another in its place", terminated.ActorRef.Path.Name, what);
            StartEvaluator(slot);
        }
        slot.InFlight = null;
        if (lost is not null)
            AttemptFailed(KeyOf(lost), $"evaluator stopped while evaluating {lost.EvaluationId}", retryable: true);
        Dispatch();
    }

    void Retry(EvaluationKey key)
    {
        if (!_jobs.ContainsKey(key)) return;
        _ready.Enqueue(key);
        Dispatch();
    }

    /// <summary>Frees the slot that holds <paramref name="run"/>; false for a stale report (an attempt no slot holds).</summary>
    bool Release(RunEvaluation run)
    {
        var slot = _slots.Find(s => s.InFlight is { } held && KeyOf(held) == KeyOf(run) && held.Attempt == run.Attempt);
        if (slot is null)
        {
            _log.Debug("dropping a report for attempt {0} of {1}: no evaluator holds it (answered or superseded)", run.Attempt, run.EvaluationId);
            return false;
        }
        slot.InFlight = null;
        return true;
    }

    void GiveUp(EvaluationKey key, Job job, string reason)
    {
        _jobs.Remove(key);
        NasMetrics.EvaluationsFailed.Add(1);
        Answer(key, job.ReplyTo, new EvaluationGaveUp(key.SearchId, key.EvaluationId, reason));
    }

    void Answer(EvaluationKey key, IActorRef replyTo, object answer)
    {
        replyTo.Tell(answer);
        _answers[key] = answer;
        _answerOrder.Enqueue(key);
        if (_answerOrder.Count > RememberedAnswers) _answers.Remove(_answerOrder.Dequeue());
    }

    void StartEvaluator(Slot slot)
    {
        slot.Actor = Context.ActorOf(EvaluatorActor.Props(slot.Evaluator!), $"evaluator-{slot.Index}-{slot.Generation++}");
        Context.Watch(slot.Actor);
    }

    TimeSpan Backoff(int attempts)
    {
        var ceiling = Math.Max(MaxRetryBackoff.Ticks, _retryBackoff.Ticks);
        return TimeSpan.FromTicks((long)Math.Min(_retryBackoff.Ticks * Math.Pow(2, attempts - 1), ceiling));
    }

    static EvaluationKey KeyOf(RunEvaluation run) => new(run.Work.SearchId, run.EvaluationId);

    /// <summary>Evaluation ids are unique within a search; a shared supervisor serves several searches.</summary>
    readonly record struct EvaluationKey(string SearchId, string EvaluationId);

    sealed record RetryDue(EvaluationKey Key);

    sealed class Job(EvaluateChild work, IActorRef replyTo, int maxAttempts)
    {
        public EvaluateChild Work { get; } = work;
        public IActorRef ReplyTo { get; set; } = replyTo;
        public int MaxAttempts { get; } = maxAttempts;
        public int Attempts { get; set; }
    }

    /// <summary>One evaluator position: its actor (replaced when it stops), the evaluator it runs (null for a remote
    /// one, which its own node runs), and the work it holds.</summary>
    sealed class Slot(int index, IChildEvaluator? evaluator, string node, string device)
    {
        public int Index { get; } = index;
        public IChildEvaluator? Evaluator { get; } = evaluator;
        public string Node { get; } = node;
        public string Device { get; } = device;
        public IActorRef Actor { get; set; } = ActorRefs.Nobody;
        public int Generation { get; set; }
        public int Dispatched { get; set; }
        public RunEvaluation? InFlight { get; set; }
    }
}
