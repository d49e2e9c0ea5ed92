namespace NasActors.Torch.Checkpoints;

/// <summary>Everything besides tensors that a resumed training needs to continue exactly: the step reached and the
/// state of every random stream (the sampler's, the data order's), with MAGIC-A the anchor and its candidates, and the
/// digest of every path trained so far.</summary>
public sealed record TrainingState(
    long Step,
    string SamplerState,
    string DataOrderState,
    int Threads,
    IReadOnlyDictionary<string, string> Metadata,
    string? AnchorState = null,
    string? PathsDigest = null);

/// <summary>Where a checkpoint was written and the SHA-256 that a later load must match.</summary>
public sealed record CheckpointInfo(string Path, string Sha256, long Step, long Bytes);
