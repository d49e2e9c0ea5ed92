using NasActors.Search;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>The local intrinsic dimension of a set of points: how many dimensions the data locally spans, whatever
/// space it is embedded in.</summary>
public static class LocalIntrinsicDimension
{
    /// <summary>The maximum-likelihood estimate (Levina and Bickel 2004, in the form of Amsaleg et al. 2015 that
    /// NAS-LID's reference code uses), averaged over the points: for each row of <paramref name="points"/> (n x d, or
    /// n x anything, flattened), k / sum over its <paramref name="neighbours"/> nearest other rows of
    /// log(r_k / r_i).</summary>
    public static double Estimate(Tensor points, int neighbours)
    {
        ArgumentNullException.ThrowIfNull(points);
        var count = points.shape[0];
        if (neighbours < 2) throw new NasException($"a local intrinsic dimension needs at least 2 neighbours, got {neighbours}");
        if (count <= neighbours)
            throw new NasException($"lid-k = {neighbours} needs more than {neighbours} points (images in a batch), got {count}: lower lid-k or raise the batch size");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Scalars freed here, not by the finalizer thread while libtorch may still read them (Runtime/Scalars.cs).
        using var infinity = double.PositiveInfinity.ToScalar();
        using var tiny = 1e-12.ToScalar();
        using var k = ((double)neighbours).ToScalar();
        var rows = points.flatten(1).to(ScalarType.Float64);
        // A point is not its own neighbour: cdist's diagonal is not exactly zero, so it is excluded outright.
        var distances = cdist(rows, rows).masked_fill(eye(count, dtype: ScalarType.Bool, device: rows.device), infinity);
        var nearest = distances.topk(neighbours, dim: 1, largest: false, sorted: true).values.clamp_min(tiny);
        var logRatios = nearest.div(nearest.narrow(1, neighbours - 1, 1)).log();  // log(r_i / r_k) <= 0
        var estimates = logRatios.sum(1).neg().clamp_min(tiny).reciprocal().mul(k);
        return estimates.mean().item<double>();
    }
}

/// <summary>NAS-LID's measure of how alike the options of a split decision are (He et al., "NAS-LID: Efficient Neural
/// Architecture Search with Local Intrinsic Dimension", AAAI 2023): a batch through the parent supernet with the
/// decision set to each option in turn, and the local intrinsic dimension of every cell's output, giving one LID vector
/// per option; options whose vectors point alike shape the features alike and can share weights. Forward passes only,
/// without gradients: far less memory than gradient matching, which keeps every activation for a backward pass.</summary>
public static class IntrinsicDimensionMatching
{
    /// <summary>The options' mean LID vectors (one value per cell, averaged over <paramref name="batches"/> batches and
    /// paths) and their pairwise distances, 1 - cosine similarity of the vectors (NAS-LID's default similarity).</summary>
    public static (double[,] Distances, double[][] Vectors) OptionDistances(Nb201Network parent, int decision, int options, int batches,
        int neighbours, Func<(Tensor Images, Tensor Labels)> nextBatch, Func<Architecture> nextPath)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var perOption = new List<double>[options];
        for (var b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var (images, _) = nextBatch();
            var path = nextPath();
            for (var option = 0; option < options; option++)
            {
                using var optionScope = NewDisposeScope();
                var cell = 0;
                var vector = perOption[option] ??= [];
                parent.ObserveCells(images, path.With(decision, option), output =>
                {
                    var estimate = LocalIntrinsicDimension.Estimate(output, neighbours) / batches;
                    if (cell < vector.Count) vector[cell] += estimate; else vector.Add(estimate);
                    cell++;
                });
            }
        }
        var vectors = perOption.Select(v => v.ToArray()).ToArray();
        return (CosineDistances(vectors), vectors);
    }

    /// <summary>1 - cosine similarity between every two vectors, at least 0 (rounding can pass 1).</summary>
    public static double[,] CosineDistances(IReadOnlyList<double[]> vectors)
    {
        var distances = new double[vectors.Count, vectors.Count];
        for (var i = 0; i < vectors.Count; i++)
            for (var j = i + 1; j < vectors.Count; j++)
            {
                double dot = 0, left = 0, right = 0;
                for (var k = 0; k < vectors[i].Length; k++)
                {
                    dot += vectors[i][k] * vectors[j][k];
                    left += vectors[i][k] * vectors[i][k];
                    right += vectors[j][k] * vectors[j][k];
                }
                var similarity = left == 0 || right == 0 ? 0 : dot / Math.Sqrt(left * right);
                distances[i, j] = distances[j, i] = Math.Max(0, 1 - similarity);
            }
        return distances;
    }
}
