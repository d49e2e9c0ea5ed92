using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Estimators;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Estimators;

/// <summary>Short training as an estimator: it learns a learnable task, a child that cannot see its input stays at
/// chance, and the same seed and rows give the same score.</summary>
[Collection(TorchThreads.Collection)]
public sealed class ShortTrainingTests : IDisposable
{
    static readonly NetworkShape Shape = SyntheticData.Shape();
    static readonly ShortTrainingSettings Settings = new(Steps: 30, BatchSize: 16, LearningRate: 0.05);
    static readonly Architecture AllConv = Nb201Space.Instance.Largest;
    static readonly Architecture Blind = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|none~2|");

    readonly ImageDataset _data = SyntheticData.Create(200, noise: 1f);
    readonly int[] _train = Enumerable.Range(0, 100).ToArray();
    readonly int[] _validation = Enumerable.Range(100, 100).ToArray();

    public ShortTrainingTests() => TorchRuntime.SetThreads(1);

    public void Dispose() => _data.Dispose();

    double Score(Architecture architecture, long seed = 3) =>
        ShortTraining.Score(architecture, Shape, _data, _train, _validation, Settings, seed, CPU);

    [Fact]
    public void A_child_that_sees_its_input_should_learn_and_one_that_cannot_should_stay_at_chance()
    {
        using var untrained = Nb201Network.CreateChild(Shape, AllConv, seed: 3);
        var before = Evaluation.Accuracy(untrained, AllConv, _data, _validation, CPU);
        var after = Score(AllConv);
        Assert.True(after > 0.5 && after > before + 0.2, $"trained {after}, untrained {before}");
        // The output node receives only none: every image gives the same logits, so one class wins everywhere.
        Assert.Equal(0.1, Score(Blind), precision: 6);
    }

    [Fact]
    public void The_same_seed_and_rows_should_give_the_same_score_and_another_seed_may_not()
    {
        Assert.Equal(Score(AllConv, seed: 5), Score(AllConv, seed: 5));
        Assert.NotEqual(Score(AllConv, seed: 5), Score(AllConv, seed: 6));
    }

    [Fact]
    public void Training_a_path_of_a_supernet_should_move_only_that_paths_operations()
    {
        using var scope = NewDisposeScope();
        using var supernet = Nb201Network.CreateSupernet(Shape, seed: 1);
        var path = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        var before = supernet.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        ShortTraining.Train(supernet, path, _data, _train, Settings with { Steps = 5 }, CPU);
        var after = supernet.state_dict();
        var moved = before.Where(p => !p.Value.allclose(after[p.Key], rtol: 0, atol: 0)).Select(p => p.Key).ToArray();
        Assert.Contains(before.Keys, k => k.Contains("nor_conv_1x1", StringComparison.Ordinal));  // the supernet has them: not moving them means something
        Assert.Contains(moved, k => k.Contains("nor_conv_3x3", StringComparison.Ordinal));
        Assert.DoesNotContain(moved, k => k.Contains("nor_conv_1x1", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_operations_only_should_leave_stem_and_classifier_and_skip_a_path_without_weights()
    {
        using var scope = NewDisposeScope();
        using var supernet = Nb201Network.CreateSupernet(Shape, seed: 1);
        var before = supernet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        ShortTraining.Train(supernet, AllConv, _data, _train, Settings with { Steps = 5, OperationsOnly = true }, CPU);
        var moved = MovedParameters(supernet, before);
        Assert.Contains(moved, k => k.Contains("nor_conv_3x3", StringComparison.Ordinal));
        Assert.DoesNotContain(moved, k => k.StartsWith("stem", StringComparison.Ordinal) || k.StartsWith("classifier", StringComparison.Ordinal));

        using var other = Nb201Network.CreateSupernet(Shape, seed: 1);
        var weightless = Nb201Space.Instance.Parse("|skip_connect~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|skip_connect~2|");
        ShortTraining.Train(other, weightless, _data, _train, Settings with { Steps = 5, OperationsOnly = true }, CPU);
        Assert.Empty(MovedParameters(other, before));
    }

    static string[] MovedParameters(Nb201Network network, Dictionary<string, Tensor> before) =>
        network.named_parameters().Where(p => !p.parameter.allclose(before[p.name], rtol: 0, atol: 0)).Select(p => p.name).ToArray();

    [Theory]
    [InlineData(0, 16, 0.1, "steps")]
    [InlineData(10, 1, 0.1, "batch size")]
    [InlineData(10, 16, 0.0, "learning rate")]
    public void Bad_settings_should_be_refused_naming_them(int steps, int batch, double learningRate, string named)
    {
        var error = Assert.Throws<NasException>(() => ShortTraining.Score(AllConv, Shape, _data, _train, _validation,
                                                                          new ShortTrainingSettings(steps, batch, learningRate), 1, CPU));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Fewer_rows_than_one_batch_should_be_refused()
    {
        var error = Assert.Throws<NasException>(() => ShortTraining.Score(AllConv, Shape, _data, _train[..8], _validation, Settings, 1, CPU));
        Assert.Contains("at least one batch of 16 rows", error.Message);
    }
}
