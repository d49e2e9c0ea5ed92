using NasActors.Torch.Runtime;

namespace NasActors.Torch.Tests.Runtime;

/// <summary>Which processes run convolutions on oneDNN.</summary>
[Collection(TorchThreads.Collection)]
public sealed class TorchRuntimeTests
{
    [Fact]
    public void A_process_with_concurrent_trainers_should_follow_the_machine_unless_told_on_or_single()
    {
        var before = Environment.GetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable);
        try
        {
            Environment.SetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable, null);
            TorchRuntime.PrepareForConcurrentUse();
            Assert.Equal(TorchRuntime.ConcurrentOneDnnOnThisMachine, TorchRuntime.OneDnnEnabled);

            Environment.SetEnvironmentVariable(TorchRuntime.OneDnnSwitchVariable, TorchRuntime.OneDnnOn);
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

    [Theory]
    [InlineData("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n", false)]
    [InlineData("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n", true)]
    [InlineData("", true)]
    [InlineData(null, true)]
    public void Concurrent_oneDNN_should_be_off_by_default_only_on_the_AMD_machines_that_showed_the_fault(string? cpuInfo, bool expected)
    {
        Assert.Equal(expected, TorchRuntime.ConcurrentOneDnnByDefault(cpuInfo));
    }
}
