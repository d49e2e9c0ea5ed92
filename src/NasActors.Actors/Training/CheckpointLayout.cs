using NasActors.Actors.Runs;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Actors.Training;

/// <summary>Where a trainer writes a strategy's checkpoints, and what it notes in them beyond the training state.</summary>
public static class CheckpointLayout
{
    /// <summary>Metadata of a split few-shot supernet's checkpoints: each option's sub-supernet, space-separated.</summary>
    public const string SplitGroupsKey = "split-groups";

    /// <summary>Metadata of every checkpoint: each operation's optimizer updates so far (<see cref="OperationUpdates"/>).</summary>
    public const string OperationUpdatesKey = OperationUpdates.MetadataKey;

    public static string PathOf(string checkpointDirectory, string searchId, string strategy, long step) =>
        Path.Combine(checkpointDirectory, searchId, strategy, $"step-{step:D7}.ckpt");

    /// <summary>The seed a strategy's supernet is initialised from: its W0, before any checkpoint.</summary>
    public static long SupernetSeed(SearchSpec spec, StrategySpec strategy) => (long)((spec.Seed ^ strategy.Seed) & long.MaxValue);

    /// <summary>How much each operation of a strategy's supernet was trained up to its checkpoint of
    /// <paramref name="step"/>: the update counts noted in it and how far its weights moved from the supernet freshly built
    /// from <see cref="SupernetSeed"/>. Null for an estimator strategy (it trains nothing) or when that checkpoint is not
    /// there; a file that cannot be read throws <see cref="CorruptCheckpointException"/>. Loads the spec's data set
    /// (for the network's shape) and builds two supernets on the CPU: call it once per checkpoint, not per request.</summary>
    public static OperationTraining? OperationTrainingOf(string checkpointDirectory, string searchId, SearchSpec spec, StrategySpec strategy, long step)
    {
        if (strategy.IsEstimator || step <= 0) return null;
        var path = PathOf(checkpointDirectory, searchId, strategy.Id, step);
        if (!File.Exists(path)) return null;
        var (train, _) = TrainingData.For(spec.Data);
        var shape = new NetworkShape(spec.Supernet.Channels, spec.Supernet.CellsPerStage, train.Channels, train.Height, train.ClassCount);
        var space = SearchSpaces.Get(spec.Space);
        using var trained = StrategySupernet.Create(spec, strategy, shape, seed: 0);
        // No hash was recorded outside the file here: its own hash only checks that it was read whole.
        var state = CheckpointFile.LoadWeights(path, CheckpointFile.Sha256(path), trained);
        using var initial = StrategySupernet.Create(spec, strategy, shape, SupernetSeed(spec, strategy));
        var updates = state.Metadata.TryGetValue(OperationUpdatesKey, out var counts) ? OperationUpdates.Parse(counts, space) : null;
        return OperationTraining.Of(space, state.Step, updates, OperationMovement.Measure(trained, initial));
    }
}
