using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

[Collection(TorchThreads.Collection)]
public sealed class MomentumSgdTests
{
    [Theory]
    [InlineData(true, 5e-4)]
    [InlineData(false, 0)]
    public void Steps_should_equal_torchsharps_sgd_bit_for_bit(bool nesterov, double weightDecay)
    {
        TorchRuntime.SetThreads(1);
        using var data = SyntheticData.Create(64);
        var path = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        using var ours = Nb201Network.CreateSupernet(SyntheticData.Shape(), 5);
        using var theirs = Nb201Network.CreateSupernet(SyntheticData.Shape(), 5);
        using var sgd = new MomentumSgd(ours.parameters().ToArray(), 0.05, 0.9, weightDecay, nesterov);
        using var reference = optim.SGD(theirs.parameters(), 0.05, 0.9, 0, weightDecay, nesterov);
        for (var step = 0; step < 4; step++)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = data.Batch(Enumerable.Range(step * 16, 16).ToArray());
            foreach (var network in new[] { ours, theirs })
            {
                foreach (var p in network.parameters()) p.grad = null;
                nn.functional.cross_entropy(network.Forward(images, path), labels).backward();
            }
            sgd.Step();
            reference.step();
        }
        foreach (var ((name, a), (_, b)) in ours.named_parameters().Zip(theirs.named_parameters()))
            Assert.True(a.allclose(b, rtol: 0, atol: 0), $"{name} differs");
    }

    [Fact]
    public void Saved_momentum_should_restore_into_a_fresh_optimizer()
    {
        TorchRuntime.SetThreads(1);
        using var data = SyntheticData.Create(32);
        var path = Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        using var network = Nb201Network.CreateSupernet(SyntheticData.Shape(), 6);
        using var sgd = new MomentumSgd(network.parameters().ToArray(), 0.05, 0.9, 5e-4, nesterov: true);
        using (var scope = NewDisposeScope())
        {
            var (images, labels) = data.Batch(Enumerable.Range(0, 16).ToArray());
            nn.functional.cross_entropy(network.Forward(images, path), labels).backward();
            sgd.Step();
        }
        var stream = new MemoryStream();
        sgd.Save(new BinaryWriter(stream));
        using var restored = new MomentumSgd(network.parameters().ToArray(), 0.05, 0.9, 5e-4, nesterov: true);
        stream.Position = 0;
        restored.Load(new BinaryReader(stream));
        var again = new MemoryStream();
        restored.Save(new BinaryWriter(again));
        Assert.Equal(stream.ToArray(), again.ToArray());
    }
}
