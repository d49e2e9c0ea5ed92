namespace NasActors.Cli.Bench;

/// <summary>What a kill hit: the moment, the run's progress then, and for a checkpoint kill whether the killed process
/// left its temporary checkpoint file behind (killed while writing it) or had already renamed it.</summary>
internal sealed record KillReport(PlannedKill Planned, KillMoment Hit, int Units, string Victim, bool CheckpointHalfWritten = false)
{
    public override string ToString()
    {
        var what = Hit switch
        {
            KillMoment.Checkpoint => CheckpointHalfWritten ? "while a checkpoint was written (its temporary file left behind)" : "right after a checkpoint was written",
            KillMoment.Recovery => $"during recovery ({Planned.Delay.TotalMilliseconds:0} ms after it started)",
            _ when Hit != Planned.Moment => $"during {Hit.ToString().ToLowerInvariant()} (no checkpoint was left to write)",
            _ => $"during {Hit.ToString().ToLowerInvariant()}",
        };
        return $"kill {Planned.Number}: {Victim} SIGKILLed {what}{(Units >= 0 ? $" at progress {Units}" : ", before its first report")}";
    }
}

/// <summary>Waits for a planned kill's point in a running search and fires the kill: a training or evaluation kill a drawn
/// delay after the run's progress reaches its point (at least one unit past where this life began, so that every life
/// moves the run on), a checkpoint kill the instant a temporary checkpoint file appears after that point (inotify, through
/// <see cref="FileSystemWatcher"/>). Recovery kills are the target's own (they are timed from a node's start).</summary>
internal static class ChaosTrigger
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    /// <param name="units">the run's latest known progress (null until the first report of this life)</param>
    /// <param name="allTrained">whether every supernet is trained (no checkpoint is left to write)</param>
    /// <param name="checkpoints">the folder the run's checkpoints go to</param>
    /// <param name="kill">sends SIGKILL to the victim</param>
    /// <param name="ended">whether the search ended (or the victim died) before the point</param>
    /// <returns>the moment the kill hit and the progress then; null when the search ended first</returns>
    public static async Task<(KillMoment Hit, int Units)?> FireAsync(PlannedKill planned, Func<int?> units, Func<bool> allTrained, string checkpoints,
                                                                   Action kill, Func<bool> ended, CancellationToken cancellation)
    {
        int? baseline = null;
        while (baseline is null)
        {
            if (ended()) return null;
            baseline = units();
            if (baseline is null) await Task.Delay(Poll, cancellation);
        }
        var target = Math.Max(planned.AfterUnits, baseline.Value + 1);
        while (units() < target)
        {
            if (ended()) return null;
            await Task.Delay(Poll, cancellation);
        }
        if (planned.Moment == KillMoment.Checkpoint && !allTrained())
        {
            var fired = await KillAtNextCheckpointAsync(checkpoints, kill, () => ended() || allTrained(), cancellation);
            if (fired) return (KillMoment.Checkpoint, units() ?? target);
            if (ended()) return null;
        }
        await Task.Delay(planned.Delay, cancellation);
        if (ended()) return null;
        var at = units() ?? target;
        kill();
        var hit = planned.Moment is KillMoment.Checkpoint ? KillMoment.Evaluation : planned.Moment;
        return (hit, at);
    }

    /// <summary>Kills from inside the watcher's callback, the moment a temporary checkpoint file is created; false when
    /// <paramref name="giveUp"/> turned true first.</summary>
    static async Task<bool> KillAtNextCheckpointAsync(string checkpoints, Action kill, Func<bool> giveUp, CancellationToken cancellation)
    {
        Directory.CreateDirectory(checkpoints);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(checkpoints, "*.tmp") { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName };
        watcher.Created += (_, _) =>
        {
            if (fired.Task.IsCompleted) return;
            kill();
            fired.TrySetResult();
        };
        watcher.EnableRaisingEvents = true;
        while (!fired.Task.IsCompleted)
        {
            if (giveUp()) return fired.Task.IsCompleted;
            await Task.WhenAny(fired.Task, Task.Delay(Poll, cancellation));
        }
        return true;
    }
}
