using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>flops</c>: multiply-accumulates of one image's forward pass (no data, no dependence on initialisation).</summary>
internal sealed class FlopsMeasure : IZeroCostMeasure
{
    public string Name => "flops";
    public bool NeedsData => false;
    public bool DependsOnWeights => false;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches) =>
        network.Flops(architecture);
}
