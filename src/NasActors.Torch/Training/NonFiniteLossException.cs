namespace NasActors.Torch.Training;

/// <summary>Training produced a NaN or infinite loss or gradient: the strategy stops with this reason rather than
/// train on garbage.</summary>
public sealed class NonFiniteLossException(long step, string path, double value, string? what = null)
    : NasException($"{what ?? $"loss became {value}"} at step {step} on path {path}; lower the learning rate or check the data")
{
    public long Step { get; } = step;
}
