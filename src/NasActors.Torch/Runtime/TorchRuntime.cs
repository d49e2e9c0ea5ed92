using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace NasActors.Torch.Runtime;

/// <summary>Process-wide libtorch set-up that must happen before the first tensor is made.</summary>
public static partial class TorchRuntime
{
    /// <summary>oneDNN's AVX-512 convolution kernels give NaN input gradients with 2 intra-op threads on the
    /// build machines; AVX2 kernels do not. Must reach the native environment before libtorch loads.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";
    public const string OneDnnIsaCap = "AVX2";

    static readonly object InitialisationLock = new();

    /// <summary>Serialises model construction: weight initialisation draws from torch's process-wide generator.</summary>
    public static object ConstructionLock { get; } = new();

#pragma warning disable CA2255 // the cap must be in place before any code of this library can touch libtorch
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void CapOneDnnIsa()
    {
        // .NET's Environment.SetEnvironmentVariable does not reach native getenv on Linux: call libc directly.
        if (!OperatingSystem.IsWindows() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OneDnnIsaVariable)))
        {
            SetNativeEnvironment(OneDnnIsaVariable, OneDnnIsaCap, overwrite: 0);
            Environment.SetEnvironmentVariable(OneDnnIsaVariable, OneDnnIsaCap);
        }
    }

    /// <summary>The ISA cap libtorch will see (native environment).</summary>
    public static string? NativeOneDnnIsa() =>
        OperatingSystem.IsWindows() ? Environment.GetEnvironmentVariable(OneDnnIsaVariable)
                                    : Marshal.PtrToStringAnsi(GetNativeEnvironment(OneDnnIsaVariable));

    /// <summary>Sets the intra-op thread count; results are reproducible per thread count, so runs record it.</summary>
    public static void SetThreads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "threads must be at least 1");
        lock (InitialisationLock)
        {
            CapOneDnnIsa();
            if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
        }
    }

    /// <summary>Resolves "cpu" or "cuda:N" to a device, with a clear error when it does not exist.</summary>
    public static torch.Device ResolveDevice(string name)
    {
        if (name == "cpu") return torch.CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new NasException($"device '{name}' is not available: this build or machine has no CUDA; use --device cpu");
            var device = new torch.Device(name);
            if (device.index >= torch.cuda.device_count())
                throw new NasException($"device '{name}' does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)");
            return device;
        }
        throw new NasException($"unknown device '{name}': use 'cpu' or 'cuda:N'");
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetNativeEnvironment(string name);
}
