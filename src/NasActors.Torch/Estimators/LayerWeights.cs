using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary>What gradient-based measures share: the weights they read, and the loss gradient they read them with.</summary>
internal static class LayerWeights
{
    /// <summary>The weights of every convolution and linear layer (the layers zero-cost-nas's get_layer_metric_array
    /// visits); biases and BatchNorm's affine parameters are not scored.</summary>
    public static IEnumerable<Parameter> Of(nn.Module network) =>
        network.modules().Select(module => module switch
        {
            Convolution convolution => convolution.weight,
            Linear linear => linear.weight,
            _ => null,
        }).OfType<Parameter>();

    /// <summary>Back-propagates the cross-entropy of every batch in train mode, accumulating into the gradients
    /// (zero-cost-nas's split_data: the gradient of the sum of the batches' mean losses).</summary>
    public static void BackpropagateLoss(nn.Module<Tensor, Tensor> network, IReadOnlyList<(Tensor Images, Tensor Labels)> batches)
    {
        network.train();
        network.zero_grad();
        foreach (var (images, labels) in batches)
        {
            using var scope = NewDisposeScope();
            nn.functional.cross_entropy(network.call(images), labels).backward();
        }
    }

    /// <summary>The sum over every conv and linear weight that the loss reached of <paramref name="term"/>(weight, its
    /// gradient), after back-propagating the batches' losses: snip's and grad-norm's shared shape.</summary>
    public static double SumOverGradients(nn.Module<Tensor, Tensor> network, IReadOnlyList<(Tensor Images, Tensor Labels)> batches,
                                          Func<Parameter, Tensor, double> term)
    {
        using var scope = NewDisposeScope();
        BackpropagateLoss(network, batches);
        double score = 0;
        using (no_grad())
        {
            foreach (var weight in Of(network))
                if (Gradient(weight) is { } gradient)
                    score += term(weight, gradient);
        }
        return score;
    }

    /// <summary>The weight's gradient, or null when back-propagation never reached it.</summary>
    public static Tensor? Gradient(Parameter weight) => weight.grad;
}
