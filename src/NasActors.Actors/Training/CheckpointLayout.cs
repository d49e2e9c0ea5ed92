namespace NasActors.Actors.Training;

/// <summary>Where a trainer writes a strategy's checkpoints, and what it notes in them beyond the training state.</summary>
public static class CheckpointLayout
{
    /// <summary>Metadata of a split few-shot supernet's checkpoints: each option's sub-supernet, space-separated.</summary>
    public const string SplitGroupsKey = "split-groups";

    public static string PathOf(string checkpointDirectory, string searchId, string strategy, long step) =>
        Path.Combine(checkpointDirectory, searchId, strategy, $"step-{step:D7}.ckpt");
}
