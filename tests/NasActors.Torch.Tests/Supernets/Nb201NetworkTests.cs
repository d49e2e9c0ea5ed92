using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Supernets;

public class Nb201NetworkTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;
    const string AllConv3x3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    const string OutputOnlyNone = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|";

    [Theory]
    [InlineData(AllConv3x3)]
    [InlineData(OutputOnlyNone)]
    [InlineData("|skip_connect~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|skip_connect~1|avg_pool_3x3~2|")]
    public void Supernet_forward_along_any_path_should_give_one_logit_row_per_image(string path)
    {
        using var scope = NewDisposeScope();
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 1);
        var logits = supernet.Forward(randn(3, 1, 8, 8), Space.Parse(path));
        Assert.Equal(new long[] { 3, SyntheticData.Classes }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Supernet_forward_without_a_path_should_be_refused()
    {
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 1);
        using var input = randn(2, 1, 8, 8);
        Assert.Throws<InvalidOperationException>(() => supernet.call(input));
    }

    [Fact]
    public void Child_model_should_hold_only_its_live_operations()
    {
        var shape = SyntheticData.Shape();
        using var supernet = Nb201Network.CreateSupernet(shape, seed: 1);
        using var strong = Nb201Network.CreateChild(shape, Space.Parse(AllConv3x3), seed: 1);
        using var degenerate = Nb201Network.CreateChild(shape, Space.Parse(OutputOnlyNone), seed: 1);
        Assert.True(strong.ParameterCount() < supernet.ParameterCount());
        // The degenerate child's cells have no live edge, so it holds no cell weights at all.
        Assert.DoesNotContain(degenerate.named_parameters(), p => p.name.Contains("edge"));
        Assert.Equal(3 * 6, strong.named_parameters().Count(p => p.name.Contains("edge") && p.name.EndsWith("conv.weight")));
    }

    [Fact]
    public void Child_and_supernet_should_count_the_same_flops_for_one_architecture()
    {
        var shape = SyntheticData.Shape(channels: 4, imageSize: 8);
        var architecture = Space.Parse(AllConv3x3);
        using var supernet = Nb201Network.CreateSupernet(shape, seed: 1);
        using var child = Nb201Network.CreateChild(shape, architecture, seed: 1);
        Assert.Equal(supernet.Flops(architecture), child.Flops(architecture));
        // Stem 1->4 at 8x8, three cells of six 3x3 convs at 4/8/16 channels, two reductions and the classifier.
        long expected = 1 * 4 * 9 * 64
                        + 6L * 4 * 4 * 9 * 64
                        + (4L * 8 * 9 * 16 + 8L * 8 * 9 * 16 + 4L * 8 * 16) + 6L * 8 * 8 * 9 * 16
                        + (8L * 16 * 9 * 4 + 16L * 16 * 9 * 4 + 8L * 16 * 4) + 6L * 16 * 16 * 9 * 4
                        + 16L * SyntheticData.Classes;
        Assert.Equal(expected, child.Flops(architecture));
        Assert.True(child.Flops(Space.Parse(OutputOnlyNone)) < expected);
    }

    [Fact]
    public void Same_seed_should_give_the_same_initial_weights()
    {
        var shape = SyntheticData.Shape();
        using var a = Nb201Network.CreateSupernet(shape, seed: 5);
        using var b = Nb201Network.CreateSupernet(shape, seed: 5);
        using var c = Nb201Network.CreateSupernet(shape, seed: 6);
        Assert.Equal(NasActors.Torch.Checkpoints.CheckpointFile.WeightsSha256(a), NasActors.Torch.Checkpoints.CheckpointFile.WeightsSha256(b));
        Assert.NotEqual(NasActors.Torch.Checkpoints.CheckpointFile.WeightsSha256(a), NasActors.Torch.Checkpoints.CheckpointFile.WeightsSha256(c));
    }
}
