using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>The gradient of one path's loss on one batch with respect to chosen weights, flattened into one vector:
/// what gradient comparisons between child models (the interference probe, GM-NAS's split) compare.</summary>
public static class PathGradient
{
    /// <summary>Leaves every gradient of <paramref name="network"/> unset; a weight the path does not reach counts as
    /// a zero gradient. The network must be in training mode (batch statistics, as training sees it).</summary>
    public static Tensor Of(PathNetwork network, Architecture path, Tensor images, Tensor labels, IReadOnlyList<Parameter> weights)
    {
        // oneDNN's intermittent NaN gradients (see SgdTrainer) are recomputed: the same batch gives the true one.
        for (var attempt = 1; ; attempt++)
        {
            using var scope = NewDisposeScope();
            foreach (var parameter in network.parameters()) parameter.grad = null;
            nn.functional.cross_entropy(network.Forward(images, path), labels).backward();
            var gradient = cat(weights.Select(p => p.grad is { } grad ? grad.flatten() : zeros_like(p).flatten()).ToArray());
            foreach (var parameter in network.parameters()) parameter.grad = null;
            if (gradient.isfinite().all().item<bool>()) return gradient.MoveToOuterDisposeScope();
            if (attempt == SgdTrainer.MaxAttempts)
                throw new NasException($"the gradient of {path} stayed non-finite over {attempt} computations; the supernet may have diverged");
        }
    }

    /// <summary>1 for gradients that point alike, 0 for orthogonal ones (and a zero vector), -1 for opposite ones.</summary>
    public static double CosineSimilarity(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return nn.functional.cosine_similarity(a.unsqueeze(0), b.unsqueeze(0)).item<float>();
    }
}
