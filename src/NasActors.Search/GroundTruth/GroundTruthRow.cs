namespace NasActors.Search.GroundTruth;

/// <summary>One stand-alone training of one architecture with one seed, and the settings it was trained with.</summary>
public sealed record GroundTruthRow(
    string Architecture,
    int Seed,
    int Epochs,
    double TestAccuracy,
    double ValidationAccuracy,
    long Parameters,
    long Flops,
    double Seconds,
    int Channels,
    int Cells,
    int ImageSize,
    int TrainImages)
{
    /// <summary>The settings that must match for two rows to belong in one table.</summary>
    public string Settings => $"epochs={Epochs} channels={Channels} cells={Cells} image-size={ImageSize} train-images={TrainImages}";
}
