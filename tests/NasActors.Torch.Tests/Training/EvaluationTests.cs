using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

public sealed class EvaluationTests
{
    static readonly Architecture Path = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_3x3~2|");

    [Fact]
    public void A_set_that_does_not_fill_whole_batches_should_be_cut_into_batches_of_equal_size()
    {
        TorchRuntime.SetThreads(1);
        using var data = SyntheticData.Create(600, noise: 2f);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 3);
        var rows = Enumerable.Range(0, 600).ToArray();

        // A supernet normalises each batch with that batch's statistics, so the cut changes the estimate: 600 images
        // at up to 500 a batch must be two batches of 300, not 500 and a noisier 100.
        var halves = (Evaluation.Accuracy(supernet, Path, data, rows[..300], CPU, batchSize: 300)
                      + Evaluation.Accuracy(supernet, Path, data, rows[300..], CPU, batchSize: 300)) / 2;
        Assert.Equal(halves, Evaluation.Accuracy(supernet, Path, data, rows, CPU, batchSize: 500), 12);
    }

    [Fact]
    public void A_supernet_should_score_with_the_batchs_own_statistics_as_it_trained()
    {
        // Its BatchNorm keeps no running statistics (one set could not fit every path), so eval() must not change the
        // logits: TorchSharp's BatchNorm has to take batch statistics in eval mode too.
        TorchRuntime.SetThreads(1);
        using var scope = NewDisposeScope();
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 3);
        var images = randn(16, 1, 8, 8) * 3 + 2;
        using var noGrad = no_grad();

        supernet.train();
        var training = supernet.Forward(images, Path);
        supernet.eval();
        var evaluating = supernet.Forward(images, Path);

        Assert.True(training.allclose(evaluating, rtol: 1e-5, atol: 1e-6), "eval() changed the supernet's logits");
        Assert.NotEqual(0, training.std().item<float>());
    }
}
