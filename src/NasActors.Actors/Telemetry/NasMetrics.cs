using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace NasActors.Actors.Telemetry;

/// <summary>The process's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>, recorded where the events
/// happen (trainers, the evaluation supervisor, search runs, cluster nodes); a node's <c>/metrics</c> exports them in
/// Prometheus's text format (docs/operations.md lists them). Instruments are process-wide: one node per process, as
/// <c>nas node</c> runs, reports its own.</summary>
public static class NasMetrics
{
    public const string MeterName = "NasActors";

    static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> TrainingSteps =
        Meter.CreateCounter<long>("nas.training.steps", description: "supernet training steps, per trainer");

    public static readonly Counter<long> TrainingImages =
        Meter.CreateCounter<long>("nas.training.images", description: "images trained on, per trainer (rate() gives images/s)");

    public static readonly Counter<double> PathWait =
        Meter.CreateCounter<double>("nas.training.path_wait", "s", "time trainers waited for their sampler's paths");

    public static readonly Counter<long> CheckpointBytes =
        Meter.CreateCounter<long>("nas.checkpoint.written", "By", "checkpoint bytes written");

    public static readonly Histogram<double> CheckpointSeconds =
        Meter.CreateHistogram<double>("nas.checkpoint.duration", "s", "time to write one checkpoint (weights, optimizer, sampler state)");

    public static readonly Histogram<double> JournalWriteSeconds =
        Meter.CreateHistogram<double>("nas.journal.write.duration", "s", "time from a search run's persist to the journal's confirmation");

    public static readonly Counter<long> EvaluationsCompleted =
        Meter.CreateCounter<long>("nas.evaluations.completed", description: "evaluations answered with an accuracy (rate() gives evaluations/s)");

    public static readonly Counter<long> EvaluationsFailed =
        Meter.CreateCounter<long>("nas.evaluations.failed", description: "evaluations given up, with a reason, after their attempts");

    public static readonly Counter<long> EvaluationsReplayed =
        Meter.CreateCounter<long>("nas.evaluations.replayed", description: "evaluation attempts after the first (an evaluator failed, crashed or was lost)");

    static readonly ConcurrentDictionary<string, double> ImagesPerSecond = new();
    static readonly ConcurrentDictionary<object, EvaluationLoad> Loads = new();
    static readonly ConcurrentDictionary<object, Func<IEnumerable<KeyValuePair<string, int>>>> Memberships = new();

    static NasMetrics()
    {
        Meter.CreateObservableGauge("nas.training.images_per_second",
            () => ImagesPerSecond.Select(t => new Measurement<double>(t.Value, new KeyValuePair<string, object?>("trainer", t.Key))),
            description: "images/s of each trainer over its last checkpoint interval (0 when idle)");
        Meter.CreateObservableGauge("nas.evaluations.queued", () => Loads.Values.Sum(l => l.Queued),
            description: "evaluations requested and not yet on an evaluator (waiting for one, or for a retry)");
        Meter.CreateObservableGauge("nas.evaluations.running", () => Loads.Values.Sum(l => l.Running),
            description: "evaluations on an evaluator now");
        Meter.CreateObservableGauge("nas.cluster.members",
            () => Memberships.Values.SelectMany(members => members()).Select(m => new Measurement<int>(m.Value, new KeyValuePair<string, object?>("status", m.Key))),
            description: "cluster members as this node sees them, by member status");
    }

    /// <summary>One trainer's throughput over its last checkpoint interval; 0 once its job has ended.</summary>
    public static void SetImagesPerSecond(string trainer, double imagesPerSecond) => ImagesPerSecond[trainer] = imagesPerSecond;

    /// <summary>An evaluation supervisor's queue, counted into the gauges until the returned handle is disposed.</summary>
    public static EvaluationLoad ObserveEvaluations()
    {
        var load = new EvaluationLoad();
        Loads[load] = load;
        return load;
    }

    /// <summary>A node's view of its cluster (members per status), reported until the returned handle is disposed.</summary>
    public static IDisposable ObserveMembers(Func<IEnumerable<KeyValuePair<string, int>>> membersByStatus)
    {
        var key = new object();
        Memberships[key] = membersByStatus;
        return new Unregister(() => Memberships.TryRemove(key, out _));
    }

    /// <summary>Queued and running evaluations of one supervisor, written by its actor and read by the gauges.</summary>
    public sealed class EvaluationLoad : IDisposable
    {
        int _queued, _running;

        public int Queued => Volatile.Read(ref _queued);

        public int Running => Volatile.Read(ref _running);

        public void Set(int queued, int running)
        {
            Volatile.Write(ref _queued, queued);
            Volatile.Write(ref _running, running);
        }

        public void Dispose() => Loads.TryRemove(this, out _);
    }

    sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
