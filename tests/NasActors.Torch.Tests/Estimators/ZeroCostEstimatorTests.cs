using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Estimators;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Estimators;

/// <summary>Each zero-cost estimator against cases whose answer is known by hand, and what every estimator promises:
/// deterministic in the seed, finite, no tensors left behind, clear errors.</summary>
[Collection(TorchThreads.Collection)]
public sealed class ZeroCostEstimatorTests : IDisposable
{
    static readonly NetworkShape Shape = SyntheticData.Shape();
    static readonly ZeroCostSettings Settings = new(BatchSize: 16, Batches: 2, Initialisations: 2);
    static readonly Architecture AllConv = Nb201Space.Instance.Largest;
    static readonly Architecture AllSkip = Nb201Space.Instance.Smallest;
    static readonly Architecture Mixed = Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|");
    // The output node receives only none: the network predicts from zeros.
    static readonly Architecture Degenerate = Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|none~2|");

    readonly ImageDataset _data = SyntheticData.Create(64);
    readonly int[] _rows = Enumerable.Range(0, 64).ToArray();

    // One intra-op thread: on the shared 2-core machines two threads made these tiny networks about 50x slower.
    public ZeroCostEstimatorTests() => TorchRuntime.SetThreads(1);

    public void Dispose() => _data.Dispose();

    static Architecture Parse(string text) => Nb201Space.Instance.Parse(text);

    double Score(string name, Architecture architecture, long seed = 7, ZeroCostSettings? settings = null, IReadOnlyList<int>? rows = null) =>
        ZeroCostEstimators.Score(name, architecture, Shape, _data, rows ?? _rows, settings ?? Settings, seed, CPU);

    static Tensor Matrix(double[,] values) => tensor(values);

    [Fact]
    public void Names_should_list_the_eight_estimators()
    {
        Assert.Equal(["params", "flops", "synflow", "naswot", "snip", "grad-norm", "jacob-cov", "zico"], ZeroCostEstimators.Names);
        Assert.True(ZeroCostEstimators.IsKnown("zico"));
        Assert.False(ZeroCostEstimators.IsKnown("ZiCo"));
    }

    [Fact]
    public void Params_and_flops_should_equal_the_child_models_counts_and_grow_with_convolutions()
    {
        foreach (var architecture in new[] { AllConv, Mixed, AllSkip, Degenerate })
        {
            using var child = Nb201Network.CreateChild(Shape, architecture, seed: 0);
            Assert.Equal(child.ParameterCount(), Score("params", architecture));
            Assert.Equal(child.Flops(architecture), Score("flops", architecture));
        }
        Assert.True(Score("params", AllConv) > Score("params", Mixed));
        Assert.True(Score("params", Mixed) > Score("params", AllSkip));
        Assert.True(Score("flops", AllConv) > Score("flops", Mixed));
        Assert.True(Score("flops", Mixed) > Score("flops", AllSkip));
    }

    [Fact]
    public void Params_and_flops_should_need_no_rows()
    {
        Assert.True(ZeroCostEstimators.Score("params", Mixed, Shape, _data, [], Settings, 1, CPU) > 0);
        Assert.True(ZeroCostEstimators.Score("flops", Mixed, Shape, _data, [], Settings, 1, CPU) > 0);
    }

    [Fact]
    public void Synflow_of_a_linear_chain_should_be_its_depth_times_its_absolute_output()
    {
        // Without biases R = 1ᵀ|W2||W1|1 is linear in each layer's weights, so sum(w * dR/dw) over one layer is R itself
        // (Euler): synflow = 2R. |W1|1 = (6, 3.5); |W2|(6, 3.5) = (15.5, 13.5); R = 29.
        var first = nn.Linear(3, 2, hasBias: false);
        var second = nn.Linear(2, 2, hasBias: false);
        using (no_grad())
        {
            using var w1 = tensor(new float[] { 1, -2, 3, -1, 0.5f, 2 }, [2, 3]);
            using var w2 = tensor(new float[] { 2, -1, 0.5f, 3 }, [2, 2]);
            first.weight!.copy_(w1);
            second.weight!.copy_(w2);
        }
        using var chain = nn.Sequential(("first", first), ("second", second));
        Assert.Equal(58.0, SynflowMeasure.Compute(chain, [1, 3]), 12);
    }

    [Fact]
    public void Synflow_should_be_deterministic_positive_and_larger_with_convolutions()
    {
        var conv = Score("synflow", AllConv);
        Assert.Equal(conv, Score("synflow", AllConv));
        Assert.NotEqual(conv, Score("synflow", AllConv, seed: 8));
        var skip = Score("synflow", AllSkip);
        Assert.True(skip > 0, $"synflow {skip}");
        Assert.True(conv > skip, $"all-conv {conv} <= all-skip {skip}");
        // No path reaches the classifier's weights: nothing flows.
        Assert.Equal(0, Score("synflow", Degenerate));
    }

    [Fact]
    public void Naswot_kernel_should_count_agreeing_units()
    {
        using var scope = NewDisposeScope();
        var codes = Matrix(new double[,] { { 1, 0, 1 }, { 1, 1, 0 }, { 0, 0, 1 } });
        var kernel = NaswotMeasure.HammingKernel(codes);
        Assert.Equal(new double[] { 3, 1, 2, 1, 3, 0, 2, 0, 3 }, kernel.data<double>().ToArray());
        // det [[3,1,2],[1,3,0],[2,0,3]] = 27 - 3 - 12 = 12.
        Assert.Equal(Math.Log(12), NaswotMeasure.LogAbsDeterminant(kernel), 10);
        using var half = 0.5.ToScalar();
        Assert.Equal(kernel.data<double>().ToArray(), NaswotMeasure.HammingKernel(codes.gt(half)).data<double>().ToArray());
    }

    [Fact]
    public void Naswot_should_give_identical_images_the_lowest_score()
    {
        // Identical images have identical codes: K is all one value, singular, log|det K| = -inf.
        Assert.Equal(ZeroCostEstimators.LowestScore, Score("naswot", Mixed, rows: Enumerable.Repeat(3, 32).ToArray()));
        var distinct = Score("naswot", Mixed);
        Assert.True(double.IsFinite(distinct) && distinct > ZeroCostEstimators.LowestScore, $"naswot {distinct}");
    }

    [Fact]
    public void Jacob_cov_should_score_known_correlation_matrices()
    {
        using var scope = NewDisposeScope();
        const double k = 1e-5;
        // Zero-mean orthogonal rows: the correlation is the identity, every eigenvalue 1.
        var orthogonal = Matrix(new double[,] { { 1, -1, 0, 0 }, { 0, 0, 1, -1 }, { 1, 1, -1, -1 } });
        Assert.Equal(-3 * (Math.Log(1 + k) + 1 / (1 + k)), JacobCovMeasure.CorrelationScore(orthogonal), 6);
        // Two perfectly correlated rows: eigenvalues 0 and 2.
        var correlated = Matrix(new double[,] { { 1, 2, 3 }, { 2, 4, 6 } });
        Assert.Equal(-(Math.Log(k) + 1 / k + Math.Log(2 + k) + 1 / (2 + k)), JacobCovMeasure.CorrelationScore(correlated), 1e-3);
        // A constant row has no correlation.
        Assert.Equal(double.NegativeInfinity, JacobCovMeasure.CorrelationScore(Matrix(new double[,] { { 1, 2, 3 }, { 5, 5, 5 } })));
    }

    [Fact]
    public void Jacob_cov_should_give_a_child_without_signal_the_lowest_score()
    {
        Assert.Equal(ZeroCostEstimators.LowestScore, Score("jacob-cov", Degenerate));
        Assert.True(Score("jacob-cov", Mixed) > ZeroCostEstimators.LowestScore);
    }

    [Fact]
    public void Zico_should_sum_the_log_of_mean_over_std_per_layer()
    {
        using var scope = NewDisposeScope();
        // mean|g| = (2, 2), std = (1, 0): only the first weight counts, 2 / 1.
        var first = Matrix(new double[,] { { 1, 2 }, { 3, 2 } });
        Assert.Equal(Math.Log(2), ZicoMeasure.LayerTerm(first)!.Value, 12);
        // mean|g| = (1, 1, 4), std = (1, 1, 0): 1 + 1.
        var second = Matrix(new double[,] { { 2, -1, 4 }, { 0, 1, 4 } });
        Assert.Equal(Math.Log(2), ZicoMeasure.LayerTerm(second)!.Value, 12);
        var constant = Matrix(new double[,] { { 0, 5 }, { 0, 5 } });
        Assert.Null(ZicoMeasure.LayerTerm(constant));
        Assert.Equal(Math.Log(4), ZicoMeasure.Score([first, constant, second]), 12);
        Assert.Equal(double.NegativeInfinity, ZicoMeasure.Score([constant]));
    }

    [Fact]
    public void Zico_should_split_a_single_batch_and_floor_a_child_without_signal()
    {
        var one = Score("zico", Mixed, settings: Settings with { Batches = 1 });
        Assert.True(double.IsFinite(one) && one > ZeroCostEstimators.LowestScore, $"zico {one}");
        Assert.Equal(ZeroCostEstimators.LowestScore, Score("zico", Degenerate));
    }

    [Fact]
    public void Snip_and_grad_norm_should_match_a_gradient_computed_by_hand()
    {
        // One linear layer: dL/dW = mean over images of (softmax(z) - onehot) xᵀ for each batch; the measures read the
        // mean of the two batches' gradients.
        double[,] w = { { 0.5, -1, 0.25 }, { 1, 0.5, -0.5 } };
        double[] b = [0.1, -0.2];
        double[][,] xs = [new double[,] { { 1, 2, 0 }, { -1, 0.5, 1 } }, new double[,] { { 0, -1, 2 }, { 3, 1, -1 } }];
        long[][] ys = [[0, 1], [1, 1]];
        var gradient = new double[2, 3];
        for (var batch = 0; batch < 2; batch++)
            for (var n = 0; n < 2; n++)
            {
                var z = new double[2];
                for (var o = 0; o < 2; o++) z[o] = b[o] + Enumerable.Range(0, 3).Sum(i => w[o, i] * xs[batch][n, i]);
                var total = Math.Exp(z[0]) + Math.Exp(z[1]);
                for (var o = 0; o < 2; o++)
                    for (var i = 0; i < 3; i++)
                        gradient[o, i] += (Math.Exp(z[o]) / total - (ys[batch][n] == o ? 1 : 0)) * xs[batch][n, i] / 2 / 2;
            }
        double snip = 0, squares = 0;
        for (var o = 0; o < 2; o++)
            for (var i = 0; i < 3; i++)
            {
                snip += Math.Abs(w[o, i] * gradient[o, i]);
                squares += gradient[o, i] * gradient[o, i];
            }

        using var scope = NewDisposeScope();
        var batches = Enumerable.Range(0, 2).Select(i => (tensor(xs[i]).to(ScalarType.Float32), tensor(ys[i]))).ToArray();
        using var forSnip = OneLayer(w, b);
        using var forGradNorm = OneLayer(w, b);
        Assert.Equal(snip, SnipMeasure.Compute(forSnip, batches), 5);
        Assert.Equal(Math.Sqrt(squares), GradNormMeasure.Compute(forGradNorm, batches), 5);
    }

    static nn.Module<Tensor, Tensor> OneLayer(double[,] weight, double[] bias)
    {
        var layer = nn.Linear(3, 2);
        using (no_grad())
        {
            layer.weight!.copy_(tensor(weight));
            layer.bias!.copy_(tensor(bias));
        }
        return nn.Sequential(("fc", layer));
    }

    [Fact]
    public void Every_estimator_should_be_deterministic_and_finite()
    {
        foreach (var name in ZeroCostEstimators.Names)
            foreach (var architecture in new[] { AllConv, Mixed, Degenerate })
            {
                var score = Score(name, architecture);
                Assert.True(double.IsFinite(score), $"{name} of {architecture}: {score}");
                Assert.Equal(score, Score(name, architecture));
            }
        foreach (var name in new[] { "synflow", "snip", "grad-norm", "jacob-cov", "zico", "naswot" })
            Assert.NotEqual(Score(name, Mixed), Score(name, Mixed, seed: 99));
    }

    [Fact]
    public void Score_should_leave_no_tensors_alive_and_grad_mode_as_it_was()
    {
        foreach (var name in ZeroCostEstimators.Names) Score(name, Mixed);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        foreach (var name in ZeroCostEstimators.Names)
        {
            Score(name, Mixed);
            Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.True(is_grad_enabled());
        Assert.Equal(ScalarType.Float32, get_default_dtype());
    }

    [Fact]
    public void Unknown_name_should_throw_listing_the_known_names()
    {
        var error = Assert.Throws<NasException>(() => Score("fisher", Mixed));
        Assert.All(ZeroCostEstimators.Names, name => Assert.Contains(name, error.Message));
    }

    [Fact]
    public void Too_few_rows_should_throw_naming_them()
    {
        var error = Assert.Throws<NasException>(() => Score("snip", Mixed, rows: _rows[..31]));
        Assert.Contains("32 rows", error.Message);
    }

    [Theory]
    [InlineData(1, 2, 3, "batch size")]
    [InlineData(4097, 2, 3, "batch size")]
    [InlineData(16, 0, 3, "batches")]
    [InlineData(16, 65, 3, "batches")]
    [InlineData(16, 2, 0, "initialisations")]
    [InlineData(16, 2, 17, "initialisations")]
    public void Settings_out_of_range_should_throw_naming_the_setting(int batchSize, int batches, int initialisations, string setting)
    {
        var settings = new ZeroCostSettings(batchSize, batches, initialisations);
        Assert.Contains(setting, Assert.Throws<NasException>(settings.Validate).Message);
        Assert.Contains(setting, Assert.Throws<NasException>(() => Score("params", Mixed, settings: settings)).Message);
    }
}
