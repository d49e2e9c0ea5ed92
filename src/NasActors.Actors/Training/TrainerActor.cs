using Akka.Actor;
using Akka.Event;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Training;

/// <summary>Owns one device (<c>cpu</c> or <c>cuda:N</c>) and trains one strategy's supernet at a time on a thread of
/// its own, fed by a <see cref="SamplerActor"/>. It registers with its training queue (its parent, or the coordinator's
/// queue across the cluster) at start and every few seconds, and tells the queue when it is free again.</summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    /// <summary>How often a trainer registers again: a queue that restarted knows every trainer within this.</summary>
    public static readonly TimeSpan RegisterEvery = TimeSpan.FromSeconds(3);

    /// <summary>Sent to the parent when a job ends (finished, failed or stopped).</summary>
    public sealed record TrainerIdle(IActorRef Trainer);

    /// <param name="Crash">What escaped the job on its thread (a bug or the machine, not a user's error), if anything.</param>
    sealed record JobEnded(string SearchId, string Strategy, TimeSpan Training, TimeSpan Starved, Exception? Crash = null);

    sealed record RegisterTick
    {
        public static readonly RegisterTick Instance = new();
    }

    readonly string _checkpointDirectory;
    readonly IActorRef? _registry;
    readonly string _node;
    readonly ILoggingAdapter _log = Context.GetLogger();
    TrainingJob? _job;
    TrainStrategy? _work;
    CancellationTokenSource? _cancellation;
    Thread? _thread;

    public TrainerActor(string device, string checkpointDirectory, IActorRef? registry, string node)
    {
        Device = device;
        _checkpointDirectory = checkpointDirectory;
        _registry = registry;
        _node = node;
        Receive<RegisterTick>(_ => Register());
        Receive<TrainStrategy>(Start);
        Receive<PathsProposed>(proposed => _job?.Sampler.Deliver(proposed));
        Receive<SamplerFailed>(failed => _job?.Sampler.Fail(failed));
        Receive<StopTraining>(stop => { if (_work?.SearchId == stop.SearchId) _cancellation?.Cancel(); });
        Receive<CancelTraining>(cancel =>
        {
            if (_work is { } work && work.SearchId == cancel.Job.SearchId && work.Strategy == cancel.Job.Strategy) _cancellation?.Cancel();
        });
        Receive<JobEnded>(Ended);
    }

    public string Device { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    IActorRef Queue => _registry ?? Context.Parent;

    /// <param name="registry">The training queue to register with; null: the parent is the queue.</param>
    /// <param name="node">The node's address, for people reading <c>nas nodes</c>.</param>
    public static Props Props(string device, string checkpointDirectory, IActorRef? registry = null, string node = "local")
    {
        if (device != "cpu" && !device.StartsWith("cuda:", StringComparison.Ordinal))
            throw new NasException($"unknown device '{device}': use 'cpu' or 'cuda:N'");
        if (string.IsNullOrWhiteSpace(checkpointDirectory)) throw new ArgumentException("a trainer needs a checkpoint directory", nameof(checkpointDirectory));
        return Akka.Actor.Props.Create(() => new TrainerActor(device, checkpointDirectory, registry, node));
    }

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, RegisterEvery);
    }

    void Register() =>
        Queue.Tell(new RegisterTrainer(Self, Device, _node, _work is { } work ? new TrainingJobId(work.SearchId, work.Strategy) : null));

    void Start(TrainStrategy work)
    {
        if (_job is not null)
        {
            // The queue hands out work only to idle trainers; a stray job goes back to it.
            Queue.Forward(work);
            return;
        }
        var run = Sender;
        var self = Self;
        try
        {
            _job = new TrainingJob(work, run, self, _checkpointDirectory, Device, sampler => Context.ActorOf(SamplerActor.Props(sampler)));
        }
        catch (NasException e)
        {
            run.Tell(new TrainingFailed(work.SearchId, work.Strategy, e.Message));
            Queue.Tell(new TrainerIdle(self));
            return;
        }
        _work = work;
        _cancellation = new CancellationTokenSource();
        var job = _job;
        var token = _cancellation.Token;
        _log.Info("training {SearchId}/{Strategy} on {Device}{ResumedFrom}", work.SearchId, work.Strategy, Device,
                  work.ResumeFrom is { } from ? $" from step {from.Step}" : "");
        // A thread of its own: training blocks for minutes and must not hold a dispatcher thread.
        _thread = new Thread(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Exception? crash = null;
            try
            {
                job.Run(token);
            }
            catch (Exception e)
            {
                // The job reports a user's error (a NasException) itself. Anything else (a bug, a full disk, the native
                // library) would end the process from this thread, and every other job with it: it fails this job, with
                // the reason, and its stack trace is logged (Ended). A job already told to stop is not failed: its run
                // has paused, stopped, or handed the job to another trainer.
                crash = e;
                if (!token.IsCancellationRequested)
                    run.Tell(new TrainingFailed(work.SearchId, work.Strategy, $"training stopped by an unexpected {e.GetType().Name}: {e.Message}"));
            }
            finally
            {
                self.Tell(new JobEnded(work.SearchId, work.Strategy, clock.Elapsed, job.Sampler.Waiting, crash));
            }
        }) { IsBackground = true, Name = $"trainer {work.SearchId}/{work.Strategy}" };
        _thread.Start();
    }

    void Ended(JobEnded ended)
    {
        if (ended.Crash is { } crash) _log.Error(crash, "training {SearchId}/{Strategy} failed on {Device}", ended.SearchId, ended.Strategy, Device);
        _log.Info("training {SearchId}/{Strategy} ended after {TrainingSeconds:0.0} s; waited {StarvedSeconds:0.000} s for paths ({StarvedPercent:0.00}%)", ended.SearchId, ended.Strategy,
                  ended.Training.TotalSeconds, ended.Starved.TotalSeconds, 100 * ended.Starved.TotalSeconds / Math.Max(1e-9, ended.Training.TotalSeconds));
        if (_job is not null) Context.Stop(_job.SamplerActor);
        (_job, _work, _thread) = (null, null, null);
        _cancellation?.Dispose();
        _cancellation = null;
        Queue.Tell(new TrainerIdle(Self));
    }

    /// <summary>Stops the training and waits for its thread: a process that exited while the thread was still in
    /// libtorch crashed (SIGSEGV) after its work was done. The thread stops within a step or a checkpoint write.</summary>
    protected override void PostStop()
    {
        _cancellation?.Cancel();
        if (_thread is { } thread && !thread.Join(JoinTimeout))
            _log.Warning("training {SearchId}/{Strategy} did not stop within {JoinSeconds} s of its trainer", _work?.SearchId, _work?.Strategy, JoinTimeout.TotalSeconds);
    }

    static readonly TimeSpan JoinTimeout = TimeSpan.FromMinutes(2);
}
