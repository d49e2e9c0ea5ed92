using System.Text.RegularExpressions;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Cli.Bench;

/// <summary>Where one strategy of a run stands, as far as a chaos run needs: its newest committed checkpoint, whether it
/// is trained, its answered evaluations and ground-truth probes; <paramref name="FailureReason"/> when it failed.</summary>
internal sealed record StrategyProgress(string Strategy, long CheckpointStep, bool Trained, int Evaluations, int Probes, string? FailureReason = null)
{
    public static StrategyProgress Of(StrategyStatus status) =>
        new(status.Strategy, status.CheckpointStep, status.Trained, status.EvaluationsCompleted, status.ProbesCompleted, status.FailureReason);
}

/// <summary>A run's progress in units that only grow, journaled each one: committed checkpoints and answered evaluations
/// (ground-truth probes included), summed over strategies. Kill points are drawn in these units.</summary>
internal sealed partial class ChaosProgress(SearchSpec spec, int probes)
{
    public int CheckpointsOf(StrategySpec strategy) =>
        strategy.IsEstimator ? 0 : (strategy.Steps + spec.Training.CheckpointEvery - 1) / spec.Training.CheckpointEvery;

    /// <summary>The units of training: every strategy's checkpoints.</summary>
    public int TrainingUnits => spec.Strategies.Sum(CheckpointsOf);

    public int TotalUnits => TrainingUnits + spec.Strategies.Count * (spec.Evolution.Budget + probes);

    public int UnitsOf(IEnumerable<StrategyProgress> strategies) => strategies.Sum(s =>
    {
        var strategy = spec.Strategies.FirstOrDefault(x => x.Id == s.Strategy);
        if (strategy is null) return 0;
        var checkpoints = s.Trained ? CheckpointsOf(strategy) : (int)(s.CheckpointStep / spec.Training.CheckpointEvery);
        return checkpoints + s.Evaluations + s.Probes;
    });

    /// <summary>Whether every supernet is trained: no checkpoint is left to write.</summary>
    public bool AllTrained(IEnumerable<StrategyProgress> strategies) =>
        spec.Strategies.Where(s => !s.IsEstimator).All(s => strategies.Any(p => p.Strategy == s.Id && p.Trained));

    /// <summary>One strategy's line of an embedded node's progress report, as <see cref="Commands.SearchCommands.PrintStatus"/>
    /// writes it (a test keeps the two in step); null for any other line.</summary>
    public static StrategyProgress? ParseStatusLine(string line)
    {
        var failed = FailedLine().Match(line);
        if (failed.Success) return new StrategyProgress(failed.Groups["strategy"].Value, 0, false, 0, 0, failed.Groups["reason"].Value);
        var match = StatusLine().Match(line);
        if (!match.Success) return null;
        int Number(string group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new StrategyProgress(match.Groups["strategy"].Value, Number("step"), match.Groups["trained"].Success, Number("evaluations"), Number("probes"));
    }

    [GeneratedRegex(@"^  (?<strategy>\S+) +\S+ +(?:(?<trained>trained)|step (?<step>\d+)/\d+|estimator \(no supernet\))  evolution (?<evaluations>\d+)/\d+(?:  ground truth (?<probes>\d+)/\d+)?")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^  (?<strategy>\S+) +\S+ +failed: (?<reason>.*)$")]
    private static partial Regex FailedLine();
}
