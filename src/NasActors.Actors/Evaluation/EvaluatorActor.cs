using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Event;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Search.Randomness;

namespace NasActors.Actors.Evaluation;

/// <summary>Runs one evaluation at a time with an <see cref="IChildEvaluator"/>, off the actor's thread, and replies to
/// whoever sent the work. A crash (the evaluator threw, or a fault was injected) is thrown from the actor so that its
/// supervisor restarts it; the attempt is reported failed on the way down. Faults from the spec are injected on purpose:
/// fail every k-th evaluation, fail with probability p, stop at the n-th.</summary>
public sealed class EvaluatorActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    sealed record RegisterTick
    {
        public static readonly RegisterTick Instance = new();
    }

    readonly IChildEvaluator _evaluator;
    readonly IActorRef? _registry;
    readonly string _node;
    readonly SpecCache _specs = new();
    readonly ILoggingAdapter _log = Context.GetLogger();
    InFlight? _current;

    public EvaluatorActor(IChildEvaluator evaluator, IActorRef? registry, string node)
    {
        _evaluator = evaluator;
        _registry = registry;
        _node = node;
        Idle();
    }

    /// <summary>An evaluator around <paramref name="evaluator"/>, which it keeps across restarts (and so its caches).
    /// With a <paramref name="registry"/> (an evaluator node's way to the coordinator) it registers there at start and
    /// every few seconds.</summary>
    public static Props Props(IChildEvaluator evaluator, IActorRef? registry = null, string node = "local")
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        return Akka.Actor.Props.Create(() => new EvaluatorActor(evaluator, registry, node));
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        if (_registry is null) return;
        Register();
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, Training.TrainerActor.RegisterEvery);
    }

    void Register() => _registry?.Tell(new RegisterEvaluator(Self, _node, _evaluator.Device));

    void Idle()
    {
        Receive<RegisterTick>(_ => Register());
        Receive<RunEvaluation>(Start);
    }

    void Busy()
    {
        Receive<RegisterTick>(_ => Register());
        Receive<EvaluationFinished>(Finish);
        Receive<RunEvaluation>(_ => Stash.Stash());
    }

    void Start(RunEvaluation run)
    {
        _current = new InFlight(run, Sender);  // first: a crash from here on is reported by PreRestart
        SearchSpec spec;
        try
        {
            spec = _specs.Get(run.Work.SpecText, run.Work.SearchId);
        }
        catch (NasException e)
        {
            Sender.Tell(new EvaluationAttemptFailed(run, e.Message, Retryable: false));
            _current = null;
            return;
        }
        var faults = spec.Evaluation.Faults;
        if (faults.KillEvaluatorAt > 0 && run.Sequence == faults.KillEvaluatorAt)
        {
            _log.Warning("injected fault: evaluator stops at its evaluation {Sequence} ({EvaluationId} of search {SearchId}, attempt {Attempt})",
                         run.Sequence, run.EvaluationId, run.Work.SearchId, run.Attempt);
            Context.Stop(Self);  // vanishes without a reply: the supervisor's death watch must notice
            return;
        }
        if (InjectedFailure(faults, spec.Seed, run) is { } failure) throw new InjectedFaultException(failure);

        var self = Self;
        var evaluator = _evaluator;
        var delay = TimeSpan.FromSeconds(faults.DelaySeconds);
        Task.Run(async () =>
        {
            try
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var accuracy = evaluator.Evaluate(run.Work.Request, spec);
                return new EvaluationFinished(run, accuracy, null, clock.Elapsed.TotalSeconds);
            }
            catch (Exception e)
            {
                return new EvaluationFinished(run, double.NaN, e, 0);
            }
        }).PipeTo(self);
        Become(Busy);
    }

    void Finish(EvaluationFinished finished)
    {
        var current = _current ?? throw new InvalidOperationException($"a result for {finished.Run.EvaluationId} arrived with nothing in flight");
        switch (finished.Error)
        {
            case null:
                current.ReplyTo.Tell(new EvaluationAttemptSucceeded(current.Run, finished.Accuracy, finished.Seconds));
                break;
            case NasException unusable:  // a corrupt checkpoint or a bad architecture: another attempt would fail the same way
                current.ReplyTo.Tell(new EvaluationAttemptFailed(current.Run, unusable.Message, Retryable: false));
                break;
            default:
                // Crash here, with the evaluator's own stack trace: supervision restarts this actor and PreRestart reports it.
                ExceptionDispatchInfo.Capture(finished.Error).Throw();
                break;
        }
        _current = null;
        Become(Idle);
        Stash.UnstashAll();
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // Whatever made this actor crash, the work it held is reported, so that nothing requested is lost.
        if (_current is { } current)
            current.ReplyTo.Tell(new EvaluationAttemptFailed(current.Run, $"evaluator crashed: {reason.Message}", Retryable: true), Self);
        base.PreRestart(reason, message);
    }

    /// <summary>Why this attempt is to fail on purpose, or null. The probability draw is seeded by the run's seed, the
    /// evaluation and the attempt, so it is the same whichever evaluator runs it and whenever.</summary>
    static string? InjectedFailure(FaultInjection faults, ulong seed, RunEvaluation run)
    {
        if (faults.FailEvery > 0 && run.Sequence % faults.FailEvery == 0)
            return $"injected fault: fail-every = {faults.FailEvery}, and this is the evaluator's evaluation {run.Sequence}";
        if (faults.FailProbability > 0)
        {
            var draw = new Rng(Rng.DeriveSeed(seed, $"evaluation-fault/{run.Work.SearchId}/{run.EvaluationId}/{run.Attempt}")).NextDouble();
            if (draw < faults.FailProbability)
                return $"injected fault: attempt {run.Attempt} of {run.EvaluationId} fails (probability {faults.FailProbability})";
        }
        return null;
    }

    sealed record InFlight(RunEvaluation Run, IActorRef ReplyTo);

    sealed record EvaluationFinished(RunEvaluation Run, double Accuracy, Exception? Error, double Seconds);
}
