using NasActors.Search;

namespace NasActors.Cli.Bench;

/// <summary>When a chaos run kills its node: during training (a moment after the run reaches a point), while a checkpoint
/// is written (the moment its temporary file appears), during evaluation, or during recovery (a moment after a restarted
/// node starts, before it can report anything).</summary>
internal enum KillMoment { Training, Checkpoint, Evaluation, Recovery }

/// <summary>One planned kill: its moment, the progress (in <see cref="ChaosProgress"/> units) the run must have reached
/// before it (ignored by <see cref="KillMoment.Recovery"/>), and the delay after that point (or after the node's start)
/// before the SIGKILL.</summary>
internal sealed record PlannedKill(int Number, KillMoment Moment, int AfterUnits, TimeSpan Delay)
{
    public override string ToString() => Moment switch
    {
        KillMoment.Recovery => $"kill {Number}: during recovery, {Delay.TotalMilliseconds:0} ms after the node started",
        KillMoment.Checkpoint => $"kill {Number}: at the first checkpoint written after progress {AfterUnits}",
        _ => $"kill {Number}: during {Moment.ToString().ToLowerInvariant()}, {Delay.TotalMilliseconds:0} ms after progress {AfterUnits}",
    };
}

/// <summary>The kills of a chaos run, drawn from a seed: the same seed and run shape give the same plan. Points are spread
/// at random over the run's progress (committed checkpoints and answered evaluations, summed over strategies); one kill
/// in five is a recovery kill instead, which lands in the start-up of the life after the kill before it.</summary>
internal static class ChaosSchedule
{
    /// <summary>The longest wait after a training or evaluation point: within the next checkpoint interval or evaluation or two.</summary>
    static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The latest a recovery kill lands after the node's start line: recovery, checkpoint restore, re-dispatch.</summary>
    static readonly TimeSpan MaxRecoveryDelay = TimeSpan.FromMilliseconds(600);

    /// <summary>The latest point, as a fraction of the run.</summary>
    const double LastPoint = 0.8;

    /// <param name="trainingUnits">the units that are checkpoints (the run's first part: supernets train before they are evaluated)</param>
    /// <param name="totalUnits">every unit of the run (checkpoints, evaluations and ground-truth probes of every strategy)</param>
    public static IReadOnlyList<PlannedKill> Draw(int seed, int kills, int trainingUnits, int totalUnits)
    {
        if (kills < 1) throw new NasException($"--kills must be at least 1, got {kills}");
        if (seed < 0) throw new NasException($"--seed must be 0 or more, got {seed}");
        if (trainingUnits < 0 || totalUnits <= trainingUnits) throw new ArgumentException("a run has more units than checkpoints", nameof(totalUnits));
        // Each kill that is not a recovery needs one unit of progress of its own, and the run must not end first: points
        // stop at 80% of the run, since its last evaluations can pass faster than a kill's delay.
        if (kills > totalUnits * LastPoint)
            throw new NasException($"--kills {kills} is more than this run can take: it has {totalUnits} checkpoints and evaluations, " +
                                   $"and each kill needs one of them done before it; use at most {(int)(totalUnits * LastPoint)} kills or a longer --spec");
        var random = new Random(seed);
        var points = Enumerable.Range(0, kills).Select(_ => (int)Math.Round(random.NextDouble() * LastPoint * totalUnits)).Order().ToArray();
        var plan = new List<PlannedKill>(kills);
        for (var i = 0; i < kills; i++)
        {
            var roll = random.NextDouble();
            var moment = i > 0 && roll < 0.2 ? KillMoment.Recovery
                : points[i] < trainingUnits ? (roll < 0.6 ? KillMoment.Training : KillMoment.Checkpoint)
                : KillMoment.Evaluation;
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * (moment == KillMoment.Recovery ? MaxRecoveryDelay : MaxDelay).TotalMilliseconds);
            plan.Add(new PlannedKill(i + 1, moment, points[i], moment == KillMoment.Checkpoint ? TimeSpan.Zero : delay));
        }
        return plan;
    }
}
