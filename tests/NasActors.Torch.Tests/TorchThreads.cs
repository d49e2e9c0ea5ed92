namespace NasActors.Torch.Tests;

/// <summary>Tests that set torch's process-wide thread count run one at a time.</summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class TorchThreads
{
    public const string Collection = "torch threads";
}
