using System.Runtime.CompilerServices;
using NasActors.Torch.Runtime;

namespace NasActors.Tests.Shared;

/// <summary>A fact that needs a CUDA device: reported as skipped, with the reason, where this build or machine has none
/// (the default build uses the CPU-only libtorch), rather than passing without having checked anything.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!HasCuda.Value) Skip = "needs a CUDA device: this build (TorchSharp-cpu) or machine has none";
    }

    static readonly Lazy<bool> HasCuda = new(() =>
    {
        // The oneDNN ISA cap must reach libtorch before it loads, and this may be the first torch call of the process.
        RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
        return TorchSharp.torch.cuda.is_available();
    });
}
