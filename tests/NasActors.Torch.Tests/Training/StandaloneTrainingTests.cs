using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

[Collection(TorchThreads.Collection)]
public sealed class StandaloneTrainingTests : IDisposable
{
    readonly ImageDataset _train = SyntheticData.Create(600, seed: 1);
    readonly ImageDataset _test = SyntheticData.Create(200, seed: 1);
    readonly DataSplit _split = DataSplit.Create(600, 100, seed: 0);
    static readonly Architecture Strong = Nb201Space.Instance.Parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");

    [Fact]
    public void A_child_model_should_learn_a_learnable_task_well_above_chance()
    {
        TorchRuntime.SetThreads(2);
        var progress = new List<StandaloneProgress>();
        var result = StandaloneTraining.Train(Strong, SyntheticData.Shape(), _train, _split, _test, epochs: 3, seed: 1,
            SgdSettings.Standalone with { BatchSize = 50 }, CPU, progress.Add);
        Assert.True(result.TestAccuracy > 0.5, $"test accuracy {result.TestAccuracy}");
        Assert.True(result.ValidationAccuracy > 0.5, $"validation accuracy {result.ValidationAccuracy}");
        Assert.Equal([1, 2, 3], progress.Select(p => p.Epoch));
        Assert.True(progress[^1].MeanLoss < progress[0].MeanLoss);
        Assert.True(result.Parameters > 0 && result.Flops > 0 && result.Seconds > 0);
    }

    [Fact]
    public void Same_seed_should_give_the_same_accuracies()
    {
        TorchRuntime.SetThreads(2);
        var settings = SgdSettings.Standalone with { BatchSize = 50 };
        var a = StandaloneTraining.Train(Strong, SyntheticData.Shape(), _train, _split, _test, 1, 4, settings, CPU);
        var b = StandaloneTraining.Train(Strong, SyntheticData.Shape(), _train, _split, _test, 1, 4, settings, CPU);
        Assert.Equal(a.FinalLoss, b.FinalLoss);
        Assert.Equal(a.TestAccuracy, b.TestAccuracy);
    }

    [Fact]
    public void A_model_whose_output_node_receives_only_none_should_stay_near_chance()
    {
        TorchRuntime.SetThreads(2);
        var degenerate = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|");
        var result = StandaloneTraining.Train(degenerate, SyntheticData.Shape(), _train, _split, _test, 2, 1,
            SgdSettings.Standalone with { BatchSize = 50 }, CPU);
        Assert.True(result.TestAccuracy <= 0.2, $"test accuracy {result.TestAccuracy}");
    }

    [Fact]
    public void Non_positive_epochs_should_be_refused()
    {
        var error = Assert.Throws<NasException>(() => StandaloneTraining.Train(Strong, SyntheticData.Shape(), _train, _split, _test,
            0, 1, SgdSettings.Standalone, CPU));
        Assert.Contains("epochs", error.Message);
    }

    public void Dispose()
    {
        _train.Dispose();
        _test.Dispose();
    }
}
