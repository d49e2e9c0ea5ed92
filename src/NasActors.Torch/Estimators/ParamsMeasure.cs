using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>params</c>: the child model's number of trainable values (no data, no dependence on initialisation).</summary>
internal sealed class ParamsMeasure : IZeroCostMeasure
{
    public string Name => "params";
    public bool NeedsData => false;
    public bool DependsOnWeights => false;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches) =>
        network.ParameterCount();
}
