using NasActors.Search;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

/// <summary>NAS-LID's pieces: the maximum-likelihood LID estimate against data of known dimension, and the grouping of
/// options by their LID vectors.</summary>
[Collection(TorchThreads.Collection)]
public sealed class IntrinsicDimensionTests
{
    static Tensor PointsOnSubspace(int count, int dimension, int ambient, long seed)
    {
        var generator = new Generator((ulong)seed);
        var coordinates = randn(count, dimension, generator: generator, dtype: ScalarType.Float64);
        var basis = linalg.qr(randn(ambient, dimension, generator: generator, dtype: ScalarType.Float64)).Q.t();  // orthonormal rows
        return coordinates.matmul(basis);
    }

    [Theory]
    [InlineData(2, 1.6, 2.4)]
    [InlineData(3, 2.4, 3.6)]
    [InlineData(6, 4.8, 7.2)]
    public void Points_on_a_linear_subspace_should_have_about_its_dimension(int dimension, double low, double high)
    {
        using var scope = NewDisposeScope();
        var points = PointsOnSubspace(800, dimension, ambient: 40, seed: dimension);

        var estimate = LocalIntrinsicDimension.Estimate(points, neighbours: 20);

        Assert.InRange(estimate, low, high);
    }

    [Fact]
    public void The_estimate_should_not_depend_on_the_scale_or_the_layout_of_the_features()
    {
        using var scope = NewDisposeScope();
        var points = PointsOnSubspace(300, 4, ambient: 24, seed: 7);
        var estimate = LocalIntrinsicDimension.Estimate(points, 20);

        Assert.Equal(estimate, LocalIntrinsicDimension.Estimate(points.mul(100.0), 20), 1e-9);
        // A feature map (n x C x H x W) is flattened per point.
        Assert.Equal(estimate, LocalIntrinsicDimension.Estimate(points.reshape(300, 2, 3, 4), 20), 1e-12);
        Assert.True(LocalIntrinsicDimension.Estimate(PointsOnSubspace(300, 12, 24, 7), 20) > estimate + 3);
    }

    [Fact]
    public void Too_few_points_for_the_neighbours_should_name_lid_k_and_the_fix()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<NasException>(() => LocalIntrinsicDimension.Estimate(randn(20, 5), neighbours: 20));
        Assert.Contains("lid-k = 20", error.Message);
        Assert.Contains("raise the batch size", error.Message);
    }

    [Fact]
    public void Options_whose_vectors_point_alike_should_be_grouped_together()
    {
        // Options 0, 2, 3 rise with depth, 1 and 4 fall: two directions, each a little perturbed.
        double[][] vectors = [[2, 4, 6, 8], [8, 6, 3, 2], [2.2, 4.1, 5.7, 8.3], [1.9, 3.8, 6.4, 7.7], [7.5, 6.2, 3.4, 1.8]];

        var distances = IntrinsicDimensionMatching.CosineDistances(vectors);

        Assert.Equal([0, 1, 0, 0, 1], OptionGrouping.LeastWithinGroupDistance(distances, 2));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(0, distances[i, i]);
            for (var j = 0; j < 5; j++) Assert.Equal(distances[i, j], distances[j, i]);
        }
        Assert.Equal(0, IntrinsicDimensionMatching.CosineDistances([[1, 2], [3, 6]])[0, 1], 1e-12);
    }

    [Fact]
    public void Lid_vectors_of_a_supernet_should_take_one_value_per_cell_and_touch_no_gradient_or_weight()
    {
        TorchRuntime.SetThreads(1);
        var data = SyntheticData.Create(256);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 5);
        var before = CheckpointWeights(supernet);
        var path = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|");
        using var scope = NewDisposeScope();
        var batch = data.Batch(Enumerable.Range(0, 64).ToArray());

        var (distances, vectors) = IntrinsicDimensionMatching.OptionDistances(supernet, Nb201Space.EdgeIndex(3, 0), 5, batches: 2, neighbours: 10,
                                                                              () => batch, () => path);

        var cells = new List<Tensor>();
        using (no_grad()) supernet.Forward(batch.Item1, path, cells);
        // Cell by cell, in scopes of their own, the same outputs as one whole forward pass.
        var observed = new List<Tensor>();
        supernet.ObserveCells(batch.Item1, path, output => observed.Add(output.clone().MoveToOuterDisposeScope()));
        Assert.Equal(cells.Count, observed.Count);
        for (var c = 0; c < cells.Count; c++) Assert.True(cells[c].eq(observed[c]).all().item<bool>(), $"cell {c} differs");
        Assert.Equal(5, vectors.Length);
        Assert.All(vectors, v => Assert.Equal(cells.Count, v.Length));
        Assert.All(vectors.SelectMany(v => v), value => Assert.True(double.IsFinite(value) && value > 0, $"LID {value}"));
        // Two identical batches average to the one batch's estimate.
        var conv = Nb201Space.OperationIndex(Nb201Space.Conv3x3);
        var single = new List<Tensor>();
        using (no_grad()) supernet.Forward(batch.Item1, path.With(Nb201Space.EdgeIndex(3, 0), conv), single);
        Assert.Equal(LocalIntrinsicDimension.Estimate(single[^1], 10), vectors[conv][^1], 1e-9);
        Assert.True(distances[conv, Nb201Space.OperationIndex(Nb201Space.None)] > 0);
        Assert.All(supernet.parameters(), p => Assert.Null(p.grad));
        Assert.Equal(before, CheckpointWeights(supernet));
    }

    static string CheckpointWeights(PathNetwork network) => NasActors.Torch.Checkpoints.CheckpointFile.WeightsSha256(network);
}
