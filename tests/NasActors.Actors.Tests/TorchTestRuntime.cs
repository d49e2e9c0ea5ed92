using System.Runtime.CompilerServices;
using NasActors.Torch.Runtime;

namespace NasActors.Actors.Tests;

internal static class TorchTestRuntime
{
    // The oneDNN ISA cap must reach libtorch before it loads: run NasActors.Torch's initializer as this assembly loads.
    [ModuleInitializer]
    internal static void CapOneDnnBeforeLibtorchLoads() =>
        RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
}
