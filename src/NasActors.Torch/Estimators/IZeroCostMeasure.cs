using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary>One zero-cost measure: a score of an untrained child model, higher meaning predicted better.</summary>
/// <remarks>The network is the measure's own: <see cref="ZeroCostEstimators.Score"/> builds a fresh child for every call
/// and disposes it afterwards, so a measure may change its mode, dtype and weights (synflow takes absolute values).</remarks>
internal interface IZeroCostMeasure
{
    /// <summary>The name it is registered under.</summary>
    string Name { get; }

    /// <summary>Whether it reads images (then rows are required and batches are passed).</summary>
    bool NeedsData { get; }

    /// <summary>Whether it depends on the initial weights (then it is averaged over initialisations).</summary>
    bool DependsOnWeights { get; }

    /// <summary>The raw score; may be non-finite (the caller maps that to a floor).</summary>
    double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches);
}
