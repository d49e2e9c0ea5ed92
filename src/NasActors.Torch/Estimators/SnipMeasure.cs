using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>snip</c> (Lee et al. 2019, as in zero-cost-nas): sum over conv and linear weights of |w * dL/dw|, with L the
/// cross-entropy in train mode, its gradient averaged over the batches.</summary>
internal sealed class SnipMeasure : IZeroCostMeasure
{
    public string Name => "snip";
    public bool NeedsData => true;
    public bool DependsOnWeights => true;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches) =>
        Compute(network, batches);

    /// <summary>Snip of any classifier (its conv and linear weights); leaves its gradients filled.</summary>
    internal static double Compute(nn.Module<Tensor, Tensor> network, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        var score = LayerWeights.SumOverGradients(network, batches, (weight, gradient) => weight.mul(gradient).abs_().to(ScalarType.Float64).sum().ToDouble());
        // The accumulated gradient is the batches' sum: divide once to score their mean (|w * g| is linear in g).
        return score / batches.Count;
    }
}
