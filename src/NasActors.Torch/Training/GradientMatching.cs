using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>GM-NAS's measure of how alike the options of a split decision are (Hu et al., "Generalizing Few-Shot NAS
/// with Gradient Matching", ICLR 2022): for one path and batch, the gradient of the loss with respect to the weights
/// every option shares (all but the split decision's own operations, in every cell) with the decision set to each
/// option in turn; two options whose gradients point apart pull the shared weights apart, so they belong in different
/// sub-supernets. The distance is 1 - cosine similarity, averaged over batches (each with a fresh path), as the
/// reference code's default <c>cos</c> metric.</summary>
public static class GradientMatching
{
    /// <summary>The options' mean pairwise distances (symmetric, 0 on the diagonal), from <paramref name="batches"/>
    /// batches and paths drawn by <paramref name="nextBatch"/> and <paramref name="nextPath"/>.</summary>
    public static double[,] OptionDistances(PathNetwork parent, int decision, int options, int batches,
                                            Func<(Tensor Images, Tensor Labels)> nextBatch, Func<Architecture> nextPath)
    {
        TorchSharp.Modules.Parameter[]? shared = null;
        parent.train();
        var sum = new double[options, options];
        for (var b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = nextBatch();
            var path = nextPath();
            if (shared is null)
            {
                var own = Enumerable.Range(0, options).SelectMany(o => parent.OperationParameters(path, decision, o)).ToHashSet(ReferenceEqualityComparer.Instance);
                shared = parent.parameters().Where(p => !own.Contains(p)).ToArray();
            }
            var gradients = Enumerable.Range(0, options).Select(o => PathGradient.Of(parent, path.With(decision, o), images, labels, shared)).ToArray();
            for (var i = 0; i < options; i++)
                for (var j = i + 1; j < options; j++)
                {
                    var distance = Math.Max(0, 1 - PathGradient.CosineSimilarity(gradients[i], gradients[j]));  // float rounding can pass 1
                    sum[i, j] += distance;
                    sum[j, i] += distance;
                }
        }
        for (var i = 0; i < options; i++)
            for (var j = 0; j < options; j++) sum[i, j] /= batches;
        return sum;
    }
}
