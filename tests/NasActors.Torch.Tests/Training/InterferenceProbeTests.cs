using NasActors.Search.Randomness;
using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

[Collection(TorchThreads.Collection)]
public sealed class InterferenceProbeTests : IDisposable
{
    readonly NasActors.Torch.Data.ImageDataset _data = SyntheticData.Create(256);
    static readonly int Conv3x3 = Nb201Space.OperationIndex(Nb201Space.Conv3x3);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Pairs_should_share_the_live_operator_and_differ_in_exactly_k_other_decisions()
    {
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), 1);
        var probe = new InterferenceProbe(supernet, _data, Enumerable.Range(0, 256).ToArray(), decision: 0, option: Conv3x3, batchSize: 32, CPU);
        var rng = new Rng(2);
        for (var k = 0; k <= 5; k++)
            for (var i = 0; i < 50; i++)
            {
                var (a, b) = probe.Pair(k, rng);
                Assert.Equal(Conv3x3, a[0]);
                Assert.Equal(Conv3x3, b[0]);
                Assert.True(Nb201Space.LiveEdges(a)[0] && Nb201Space.LiveEdges(b)[0]);
                Assert.Equal(k, a.DistanceTo(b));
            }
    }

    [Fact]
    public void Identical_children_should_have_cosine_one_and_others_less()
    {
        TorchRuntime.SetThreads(1);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), 3);
        var probe = new InterferenceProbe(supernet, _data, Enumerable.Range(0, 256).ToArray(), decision: 0, option: Conv3x3, batchSize: 32, CPU);

        var rows = probe.Measure([0, 3], pairs: 8, seed: 4);

        Assert.Equal(1.0, rows[0].MeanCosine, 1e-4);
        Assert.InRange(rows[1].MeanCosine, -1, 0.999);
        Assert.Equal(8, rows[1].Pairs);
    }

    [Fact]
    public void A_weightless_operator_should_be_refused()
    {
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), 1);
        var probe = new InterferenceProbe(supernet, _data, [0, 1], 0, Nb201Space.OperationIndex(Nb201Space.AvgPool3x3), 2, CPU);
        Assert.Contains("no weights", Assert.Throws<NasException>(() => probe.Measure([1], 2, 1)).Message);
    }
}
