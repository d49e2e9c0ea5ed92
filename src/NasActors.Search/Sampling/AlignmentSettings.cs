namespace NasActors.Search.Sampling;

/// <summary>MAGIC-A settings any strategy can switch on: <c>align</c> (the weight of the alignment loss; 0, the default,
/// turns it off), <c>anchor-every</c> (steps between anchor selections; 0 means one epoch), <c>anchor-candidates</c>
/// (recent paths scored with the anchor) and <c>anchor-images</c> (validation images that score them).</summary>
public sealed record AlignmentSettings(double Weight, int Every, int Candidates, int Images)
{
    public bool Enabled => Weight > 0;

    public static AlignmentSettings From(StrategySettings settings) => new(
        settings.Double("align", 0, min: 0, max: 100),
        settings.Int("anchor-every", 0, min: 0, max: int.MaxValue),
        settings.Int("anchor-candidates", 8, min: 1, max: 256),
        settings.Int("anchor-images", 500, min: 1, max: 100_000));
}
