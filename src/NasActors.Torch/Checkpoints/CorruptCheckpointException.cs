namespace NasActors.Torch.Checkpoints;

/// <summary>A checkpoint is missing, truncated or does not match the hash recorded when it was written.</summary>
public sealed class CorruptCheckpointException(string path, string problem)
    : NasException($"checkpoint '{path}' is unusable: {problem}; the run must fall back to an earlier checkpoint")
{
    public string CheckpointPath { get; } = path;
}
