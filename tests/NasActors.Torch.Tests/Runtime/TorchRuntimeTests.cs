using NasActors.Torch.Runtime;

namespace NasActors.Torch.Tests.Runtime;

/// <summary>Which processes run convolutions on oneDNN.</summary>
[Collection(TorchThreads.Collection)]
public sealed class TorchRuntimeTests
{
    [Fact]
    public void A_process_with_concurrent_trainers_should_keep_oneDNN_unless_told_single()
    {
        var before = Environment.GetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable);
        try
        {
            Environment.SetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable, null);
            TorchRuntime.PrepareForConcurrentUse();
            Assert.True(TorchRuntime.OneDnnEnabled);

            Environment.SetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable, TorchRuntime.OneDnnSingleOnly);
            TorchRuntime.PrepareForConcurrentUse();
            Assert.False(TorchRuntime.OneDnnEnabled);
        }
        finally
        {
            Environment.SetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable, before);
            TorchRuntime.AllowOneDnn = true;
            TorchRuntime.SetThreads(1);
        }
    }
}
