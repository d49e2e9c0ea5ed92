namespace NasActors.Torch.Estimators;

/// <summary>How a zero-cost estimator samples: images per batch, batches, and initialisations whose scores are averaged.</summary>
public sealed record ZeroCostSettings(int BatchSize = 128, int Batches = 2, int Initialisations = 3)
{
    /// <summary>Data set rows a data-driven estimator reads: <see cref="Batches"/> x <see cref="BatchSize"/>.</summary>
    public int RowsNeeded => BatchSize * Batches;

    public void Validate()
    {
        // At least 2 images: BatchNorm in train mode, correlations and kernels need more than one row.
        if (BatchSize is < 2 or > 4096) throw new NasException($"zero-cost batch size must be 2..4096, got {BatchSize}");
        if (Batches is < 1 or > 64) throw new NasException($"zero-cost batches must be 1..64, got {Batches}");
        if (Initialisations is < 1 or > 16) throw new NasException($"zero-cost initialisations must be 1..16, got {Initialisations}");
    }
}
