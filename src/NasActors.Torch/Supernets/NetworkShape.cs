namespace NasActors.Torch.Supernets;

/// <summary>The macro network around NAS-Bench-201 cells: stem, N cells, reduction, N cells, reduction, N cells, head.</summary>
/// <param name="Channels">C: channels of the first stage (doubled at each reduction).</param>
/// <param name="CellsPerStage">N: cells per stage.</param>
public sealed record NetworkShape(int Channels, int CellsPerStage, int InputChannels, int ImageSize, int ClassCount)
{
    public void Validate()
    {
        if (Channels < 1) throw new NasException($"channels must be positive, got {Channels}");
        if (CellsPerStage < 1) throw new NasException($"cells per stage must be positive, got {CellsPerStage}");
        if (ImageSize < 4) throw new NasException($"image size must be at least 4 (two reductions halve it twice), got {ImageSize}");
        if (InputChannels < 1 || ClassCount < 2) throw new NasException("a data set needs at least 1 channel and 2 classes");
    }
}
