using System.Collections.Concurrent;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Search;
using NasActors.Torch.Training;

namespace NasActors.Cli.Dashboard;

/// <summary>How much each operation of a finished strategy's supernet was trained, as the dashboard's JSON carries it:
/// per decision (row) and operation (column) the updates (null: not counted in the checkpoint) and the movement
/// ‖W − W0‖ / ‖W0‖ (null: no weights); <paramref name="Problem"/> says why there are no numbers, when there are none.</summary>
public sealed record OperationView(long Step, IReadOnlyList<string> Decisions, IReadOnlyList<string> Operations,
                                   long?[][] Updates, double?[][] Movement, string? LeastTrained, string? Problem = null)
{
    public static OperationView Of(OperationTraining training) =>
        new(training.Step, training.Rows.Select(row => row[0].Decision).ToArray(), training.Operations,
            training.Rows.Select(row => row.Select(cell => cell.Updates).ToArray()).ToArray(),
            training.Rows.Select(row => row.Select(cell => cell.Movement).ToArray()).ToArray(),
            training.LeastTrained is { } least ? $"{least.Operation} on {least.Decision}" : null);

    public static OperationView Unavailable(string problem) => new(0, [], [], [], [], null, problem);
}

/// <summary>Each finished strategy's operation table, measured once in the background and kept: the dashboard polls
/// every second, and a measurement loads the data set and builds two supernets.</summary>
internal sealed class OperationTables(string? checkpointDirectory)
{
    readonly ConcurrentDictionary<(string Search, string Strategy, long Step), Task<OperationView?>> _measured = new();
    readonly ConcurrentDictionary<string, SearchSpec> _specs = new();

    /// <summary>The tables measured so far for <paramref name="status"/>'s trained strategies (null without a checkpoint
    /// directory or before the run's spec is known); the others start measuring and show up on a later poll.</summary>
    public IReadOnlyDictionary<string, OperationView>? Of(SearchStatus status, string? specText)
    {
        if (checkpointDirectory is null || specText is null) return null;
        var spec = _specs.GetOrAdd(status.SearchId, _ => SearchSpec.Parse(specText, $"spec of {status.SearchId}"));
        var tables = new Dictionary<string, OperationView>();
        foreach (var strategy in status.Strategies.Where(s => s.Trained))
        {
            if (spec.Strategies.FirstOrDefault(s => s.Id == strategy.Strategy) is not { IsEstimator: false } trained) continue;
            var measuring = _measured.GetOrAdd((status.SearchId, strategy.Strategy, strategy.CheckpointStep),
                key => Task.Run(() => Measure(key.Search, spec, trained, key.Step)));
            if (measuring is { IsCompletedSuccessfully: true, Result: { } table }) tables[strategy.Strategy] = table;
        }
        return tables;
    }

    OperationView? Measure(string searchId, SearchSpec spec, StrategySpec strategy, long step)
    {
        try
        {
            return CheckpointLayout.OperationTrainingOf(checkpointDirectory!, searchId, spec, strategy, step) is { } training
                ? OperationView.Of(training)
                : OperationView.Unavailable($"no checkpoint of step {step} in {checkpointDirectory}");
        }
        catch (NasException e)
        {
            return OperationView.Unavailable(e.Message);  // e.g. a corrupt checkpoint, or no data set on this node
        }
    }
}
