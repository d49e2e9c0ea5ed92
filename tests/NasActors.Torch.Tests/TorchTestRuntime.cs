using System.Runtime.CompilerServices;
using NasActors.Torch.Runtime;

namespace NasActors.Torch.Tests;

internal static class TorchTestRuntime
{
    // The oneDNN ISA cap must reach libtorch before it loads; tests may make tensors before touching any
    // NasActors.Torch type, so run that assembly's initializer as this one loads.
    [ModuleInitializer]
    internal static void CapOneDnnBeforeLibtorchLoads() =>
        RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
}
