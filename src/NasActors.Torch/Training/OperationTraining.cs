using NasActors.Search.Spaces;

namespace NasActors.Torch.Training;

/// <summary>One operation of one decision: its optimizer updates (null when the checkpoint did not count them) and how
/// far its weights moved, ‖W − W0‖ / ‖W0‖ (null for an operation without weights).</summary>
public sealed record OperationCell(string Decision, string Operation, long? Updates, double? Movement)
{
    public bool HasWeights => Movement is not null;
}

/// <summary>How much each operation of a supernet was trained up to the checkpoint of <paramref name="Step"/>: rows are
/// decisions (edges such as <c>1&lt;-0</c>), columns the operations, in the search space's order.</summary>
public sealed record OperationTraining(long Step, IReadOnlyList<string> Operations, IReadOnlyList<IReadOnlyList<OperationCell>> Rows)
{
    /// <summary>Puts counts (null: not counted) and <see cref="OperationMovement.Measure"/>'s movement side by side.</summary>
    public static OperationTraining Of(IChoiceSpace space, long step, OperationUpdates? updates, double[][] movement) =>
        new(step, space.Decisions[0].Options,
            space.Decisions.Select((decision, d) => (IReadOnlyList<OperationCell>)decision.Options.Select((option, o) =>
                new OperationCell(decision.Name, option, updates?[d, o], double.IsNaN(movement[d][o]) ? null : movement[d][o])).ToArray()).ToArray());

    /// <summary>The operation with weights that was updated least (by movement when updates were not counted, ties
    /// broken by movement): the first suspect when a ranking is bad. Null when no operation has weights.</summary>
    public OperationCell? LeastTrained => Rows.SelectMany(row => row).Where(cell => cell.HasWeights)
        .OrderBy(cell => cell.Updates ?? 0).ThenBy(cell => cell.Movement).FirstOrDefault();
}
