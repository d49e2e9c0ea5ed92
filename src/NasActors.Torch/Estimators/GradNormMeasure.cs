using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>grad-norm</c> (zero-cost-nas): sum over conv and linear weights of the L2 norm of dL/dw, with L the
/// cross-entropy in train mode, its gradient averaged over the batches.</summary>
internal sealed class GradNormMeasure : IZeroCostMeasure
{
    public string Name => "grad-norm";
    public bool NeedsData => true;
    public bool DependsOnWeights => true;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches) =>
        Compute(network, batches);

    /// <summary>Grad-norm of any classifier (its conv and linear weights); leaves its gradients filled.</summary>
    internal static double Compute(nn.Module<Tensor, Tensor> network, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        var score = LayerWeights.SumOverGradients(network, batches, (weight, gradient) => Math.Sqrt(gradient.to(ScalarType.Float64).pow(Scalars.Two).sum().ToDouble()));
        // The accumulated gradient is the batches' sum: a norm scales linearly, so this is the norm of their mean.
        return score / batches.Count;
    }
}
