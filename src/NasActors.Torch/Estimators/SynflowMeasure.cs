using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary><c>synflow</c> (Tanaka et al. 2020): with every parameter replaced by its absolute value, the sum of the
/// output for an all-ones input; score = sum over conv and linear weights of |w * dR/dw|. Reads no data.</summary>
internal sealed class SynflowMeasure : IZeroCostMeasure
{
    public string Name => "synflow";
    public bool NeedsData => false;
    public bool DependsOnWeights => true;

    public double Measure(Nb201Network network, Architecture architecture, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        var shape = network.Shape;
        return Compute(network, [1, shape.InputChannels, shape.ImageSize, shape.ImageSize]);
    }

    /// <summary>Synflow of any network on an all-ones input of <paramref name="inputShape"/>. Changes the network
    /// (float64, eval mode, absolute weights): pass one that is thrown away afterwards.</summary>
    internal static double Compute(nn.Module<Tensor, Tensor> network, long[] inputShape)
    {
        using var scope = NewDisposeScope();
        // Double precision, as the reference: products of absolute weights over many layers overflow float32.
        network.to(ScalarType.Float64);
        // The reference scores a copy without BatchNorm. A fresh BatchNorm in eval mode (running mean 0, variance 1,
        // weight 1, bias 0, all unchanged by the absolute value) is the identity up to 1/sqrt(1 + eps): the same score
        // to within that factor per BatchNorm on a path. Train mode would normalise the one image by its own statistics.
        network.eval();
        using (no_grad())
        {
            foreach (var parameter in network.parameters()) parameter.abs_();
        }
        network.zero_grad();
        var device = network.parameters().FirstOrDefault()?.device ?? CPU;
        network.call(ones(inputShape, ScalarType.Float64, device)).sum().backward();

        double score = 0;
        using (no_grad())
        {
            foreach (var weight in LayerWeights.Of(network))
                if (LayerWeights.Gradient(weight) is { } gradient) score += weight.mul(gradient).abs_().sum().ToDouble();
        }
        return score;
    }
}
