using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Torch.Tests.Training;

/// <summary>The short form of <c>nas bench nan</c>: what a node does (several supernets training at once on threads of
/// one process, convolutions on oneDNN) with the finalizer thread freeing whatever it can as fast as it can.</summary>
[Collection(TorchThreads.Collection)]
public sealed class NonFiniteProbeTests
{
    [Fact]
    public void Two_supernets_training_at_once_as_a_node_does_under_GC_stress_should_give_no_non_finite_gradient()
    {
        var allowed = TorchRuntime.AllowOneDnn;
        // What a node on this machine runs: oneDNN unless the machine is one where it faulted (TorchRuntime).
        TorchRuntime.AllowOneDnn = TorchRuntime.ConcurrentOneDnnOnThisMachine;
        try
        {
            TorchRuntime.SetThreads(1);
            Assert.Equal(TorchRuntime.ConcurrentOneDnnOnThisMachine, TorchRuntime.OneDnnEnabled);
            var settings = new NonFiniteProbeSettings(Trainers: 2, StepsPerTrainer: 150, GcPressure.Stress,
                new NetworkShape(Channels: 8, CellsPerStage: 1, InputChannels: 1, ImageSize: 8, ClassCount: 10), BatchSize: 64);
            var result = NonFiniteProbe.Run(settings);
            Assert.Equal(300, result.Steps);
            Assert.True(result.StressCycles > 0, "the GC stress thread never completed a cycle");
            Assert.Equal(0, result.TensorsOutsideScopes);
            Assert.Equal(0, result.NonFinite);
            Assert.Equal(0, result.Failed);
        }
        finally
        {
            TorchRuntime.AllowOneDnn = allowed;
            TorchRuntime.SetThreads(1);
        }
    }
}
