using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Persistence;

/// <summary>One value of every persisted type, with no property at its default (so that a payload shows them all), and
/// a run history that touches every kind of state a snapshot holds.</summary>
public static class JournalSamples
{
    static readonly DateTimeOffset At = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static readonly string[] GroundTruth =
    [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|",
    ];

    /// <summary>The minimal spec with ground-truth probes of every checkpoint (so step probes appear in histories).</summary>
    public static string Spec => Runs.SearchSpecTests.Minimal.Replace("evolution {", "evaluation { probe-checkpoints = on }\n  evolution {");

    public static IReadOnlyList<object> Events() =>
    [
        new SearchCreated("tiny-20261202-080000-1", "tiny", At),
        new SearchStarted("tiny-20261202-080000-1", "search { name = \"tiny\" }", 2, At, GroundTruth, ResultsInRequestOrder: true),
        new CheckpointCommitted("a", 100, "/checkpoints/a/step-0000100.ckpt", Sha, 2.25, 1234.5, ResumedFrom: 50),
        new CheckpointRejected("a", 100, "its SHA-256 is 00, not the one recorded when it was written"),
        new StrategyTrained("a", 400, Sha, 12.5, 0.25, Sha),
        new StrategyFailed("b", "loss became NaN at step 3"),
        new EvaluationRequested("a/ground-truth@100/1", "a", GroundTruth[0], "/checkpoints/a/step-0000100.ckpt", Sha, Probe: true, ProbeStep: 100),
        new EvaluationCompleted("a/1", 0.8125, 0.5),
        new EvaluationFailed("a/2", "evaluator lost"),
        new SearchPaused(At.AddMinutes(1)),
        new SearchResumed(At.AddMinutes(2)),
        new SearchStopped(At.AddMinutes(3)),
        new SearchCompleted(At.AddMinutes(4)),
    ];

    /// <summary>A snapshot of <see cref="History"/> at its first event after which the state holds every kind of thing a
    /// snapshot stores: checkpoints, a rejection, a trained and an untrained strategy, step probes, completed, failed and
    /// pending evaluations.</summary>
    public static SearchRunSnapshot Snapshot()
    {
        var state = new SearchRunState();
        foreach (var @event in History())
        {
            state.Apply(@event);
            var snapshot = state.ToSnapshot();
            if (snapshot.Evaluations.Any(e => e.Accuracy is null && e.FailureReason is null) && snapshot.Evaluations.Any(e => e.FailureReason is not null)
                && snapshot.Strategies.Any(s => s.StepProbesRequested.Count > 0) && snapshot.Strategies.Any(s => s.CheckpointsRejected > 0)
                && snapshot.Strategies.Any(s => s.Trained is null))
                return snapshot;
        }
        throw new InvalidOperationException("the history never holds every kind of state at once");
    }

    /// <summary>Every persisted value: the events and a snapshot.</summary>
    public static IReadOnlyList<object> All() => [.. Events(), Snapshot(), new JournalProbed(At.AddMinutes(5))];

    // Stable across processes (string.GetHashCode is not): snapshots of the history are compared with committed bytes.
    static double Score(string architecture) => architecture.Sum(c => c * 31 % 97) % 1000 / 1000.0;

    /// <summary>A run as a SearchRun would journal it (two evaluations in flight per strategy, every fifth one failing),
    /// with a rejected checkpoint, a pause, probes of an earlier checkpoint and of the final weights, and completion.
    /// With <paramref name="resultsInRequestOrder"/> a run of this version, whose evaluators answer every third time the
    /// newest request first (its result waits for the older one before the evolution sees it); without, an older run's
    /// journal, answered oldest first.</summary>
    public static List<ISearchEvent> History(bool resultsInRequestOrder = false)
    {
        var state = new SearchRunState();
        var history = new List<ISearchEvent>();
        void Add(ISearchEvent e)
        {
            state.Apply(e);
            history.Add(e);
        }
        Add(new SearchStarted("h", Spec, 1, At, GroundTruth, resultsInRequestOrder));
        Add(new CheckpointCommitted("a", 5, "/a/5", "aa", 2.3, 100));
        Add(new CheckpointCommitted("b", 5, "/b/5", "bb", 2.2, 110));
        Add(new CheckpointRejected("b", 5, "corrupt"));
        Add(new CheckpointCommitted("b", 5, "/b/5-again", "bc", 2.2, 105, ResumedFrom: 0));
        Add(new CheckpointCommitted("a", 10, "/a/10", "ab", 2.1, 120, ResumedFrom: 5));
        Add(new StrategyTrained("a", 10, "wa", 1.5, 0.1, "pa"));
        Add(new SearchPaused(At.AddSeconds(1)));
        Add(new SearchResumed(At.AddSeconds(2)));
        var answered = 0;
        void Evaluate(string strategy)
        {
            var pending = new List<EvaluationRequested>();
            while (true)
            {
                while (pending.Count < SearchRun.EvaluationsInFlight && state.ProposeEvaluation(strategy) is { } request)
                {
                    Add(request);
                    pending.Add(request);
                }
                if (pending.Count == 0) return;
                var next = pending[resultsInRequestOrder && answered % 3 == 2 ? ^1 : 0];
                pending.Remove(next);
                Add(++answered % 5 == 0
                    ? new EvaluationFailed(next.EvaluationId, "evaluator lost")
                    : new EvaluationCompleted(next.EvaluationId, Score(next.Architecture), 0.01 * answered));
            }
        }
        Evaluate("a");
        Add(new CheckpointCommitted("b", 10, "/b/10", "bd", 2.0, 130, ResumedFrom: 5));
        Add(new StrategyTrained("b", 10, "wb", 1.6, 0.2, "pb"));
        Evaluate("b");
        Add(new SearchCompleted(At.AddSeconds(3)));
        return history;
    }
}
