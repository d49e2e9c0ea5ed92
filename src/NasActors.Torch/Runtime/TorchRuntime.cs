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

    /// <summary>Set to 0 to keep convolutions off oneDNN (mkldnn) everywhere, or to <see cref="OneDnnSingleOnly"/> to keep them
    /// off only in processes that run torch on several threads at once: slower (about 1.7x a step here), but immune to
    /// oneDNN's NaN gradients where a machine shows them (see <see cref="PrepareForConcurrentUse"/>).</summary>
    public const string OneDnnSwitchVariable = "NAS_ONEDNN";

    /// <summary>The <see cref="OneDnnSwitchVariable"/> value that keeps oneDNN for single-threaded commands only.</summary>
    public const string OneDnnSingleOnly = "single";

    /// <summary>Sets the intra-op thread count; results are reproducible per thread count, so runs record it.</summary>
    /// <remarks>oneDNN's convolution weight gradients for small shapes (4 channels on 8x8 maps, the stem's single input
    /// channel) were intermittently NaN on the AMD EPYC build machines, even with one thread and any ISA cap: about once
    /// in a thousand steps (not seen on the Intel Xeon one, docs/platform-notes.md). <see cref="Training.SgdTrainer"/>
    /// recomputes such a step rather than give up oneDNN's speed.</remarks>
    public static void SetThreads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "threads must be at least 1");
        lock (InitialisationLock)
        {
            CapOneDnnIsa();
            if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
            SetUserEnabledMkldnn(GlobalContext(), AllowOneDnn && Environment.GetEnvironmentVariable(OneDnnSwitchVariable) != "0");
            // NNPACK does not support these CPUs; left on, libtorch would try it for every convolution without oneDNN and log a warning.
            SetUserEnabledNnpack(GlobalContext(), false);
        }
    }

    /// <summary>Whether <see cref="SetThreads"/> lets convolutions use oneDNN (unless <see cref="OneDnnSwitchVariable"/>
    /// is 0); applies from the next <see cref="SetThreads"/>.</summary>
    public static bool AllowOneDnn { get; set; } = true;

    /// <summary>For processes that run torch on several threads at once (trainer and evaluator actors): oneDNN stays on
    /// where <see cref="ConcurrentOneDnnByDefault"/> says so, or as <see cref="OneDnnSwitchVariable"/> says
    /// (<c>on</c>: on; <see cref="OneDnnSingleOnly"/>: off here; 0: off everywhere).</summary>
    public static void PrepareForConcurrentUse()
    {
        AllowOneDnn = Environment.GetEnvironmentVariable(OneDnnSwitchVariable) switch
        {
            OneDnnOn => true,
            OneDnnSingleOnly => false,
            _ => ConcurrentOneDnnByDefault(CpuInfo()),
        };
        SetThreads(torch.get_num_threads());
    }

    /// <summary>The <see cref="OneDnnSwitchVariable"/> value that keeps oneDNN on in every process.</summary>
    public const string OneDnnOn = "on";

    /// <summary>Whether several threads of one process may run convolutions on oneDNN on the CPU that
    /// <paramref name="cpuInfo"/> (/proc/cpuinfo) describes. Not on AMD: on the AMD EPYC build machines a node's
    /// oneDNN NaN gradients turned persistent (a step NaN over every recomputation, failing a strategy), while
    /// <c>nas bench nan</c> counted none in 43,600 steps of 2-3 trainers on the Intel Xeon one (docs/platform-notes.md).
    /// Run that bench on a machine and set NAS_ONEDNN=on where it counts none, for about 1.7x the speed.</summary>
    public static bool ConcurrentOneDnnByDefault(string? cpuInfo) =>
        cpuInfo is null || !cpuInfo.Split('\n').Any(line => line.StartsWith("vendor_id", StringComparison.Ordinal) && line.Contains("AuthenticAMD", StringComparison.Ordinal));

    static string? CpuInfo()
    {
        try
        {
            return OperatingSystem.IsLinux() ? File.ReadAllText("/proc/cpuinfo") : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>What <see cref="PrepareForConcurrentUse"/> decides on this machine without <see cref="OneDnnSwitchVariable"/>.</summary>
    public static bool ConcurrentOneDnnOnThisMachine => ConcurrentOneDnnByDefault(CpuInfo());

    /// <summary>Whether libtorch may use oneDNN (mkldnn) kernels.</summary>
    public static bool OneDnnEnabled
    {
        get
        {
            lock (InitialisationLock) return UserEnabledMkldnn(GlobalContext());
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

    // at::globalContext() and its mkldnn switch: the C++ API that PyTorch's torch.backends.mkldnn.enabled sets,
    // which TorchSharp does not expose. libtorch_cpu is loaded by then (get_num_threads above touched it).
    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static partial void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledMkldnn(IntPtr context);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetNativeEnvironment(string name);
}
