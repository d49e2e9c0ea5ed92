using System.CommandLine;
using NasActors.Search;
using NasActors.Torch.Runtime;
using TorchSharp;

namespace NasActors.Cli.Commands;

/// <summary>Options several commands share, and checks of their values.</summary>
internal static class CommonOptions
{
    public static Option<string> Space() => new("--space") { Description = "search space", DefaultValueFactory = _ => "nb201" };
    public static Option<int> ImageSize() => new("--image-size") { Description = "resize images to this many pixels square (bilinear)", DefaultValueFactory = _ => 16 };
    public static Option<int> Channels() => new("--channels") { Description = "C: channels of the first stage", DefaultValueFactory = _ => 8 };
    public static Option<int> Cells() => new("--cells") { Description = "N: cells per stage", DefaultValueFactory = _ => 1 };
    public static Option<string> Device() => new("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
    public static Option<int> Threads() => new("--threads") { Description = "intra-op threads (results are reproducible per thread count)", DefaultValueFactory = _ => Math.Min(Environment.ProcessorCount, 4) };

    public static Option<string?> TensorBoard() =>
        new("--tensorboard") { Description = "write TensorBoard event files here, per search and strategy (overrides the spec's training.tensorboard; docs/tensorboard.md)" };

    /// <summary>The spec with <c>--tensorboard</c> applied (when given), after checking that its folder can be written.</summary>
    public static NasActors.Actors.Runs.SearchSpec WithTensorBoard(NasActors.Actors.Runs.SearchSpec spec, string? folder)
    {
        if (folder is not null)
        {
            if (string.IsNullOrWhiteSpace(folder)) throw new NasException("--tensorboard needs a folder, got an empty value");
            spec = spec.WithTensorBoard(folder);
        }
        TensorBoardFolder(spec.Training.TensorBoard);
        return spec;
    }

    /// <summary>A --tensorboard folder (or null), checked writable before anything runs.</summary>
    public static string? TensorBoardFolder(string? folder)
    {
        if (folder is null) return null;
        if (string.IsNullOrWhiteSpace(folder)) throw new NasException("--tensorboard needs a folder, got an empty value");
        NasActors.Actors.Training.TensorBoardLog.CheckWritable(folder);
        return folder;
    }

    public static int Positive(string name, int value) =>
        value > 0 ? value : throw new NasException($"{name} must be positive, got {value}");

    /// <summary>Sets threads and resolves the device; every torch command starts here.</summary>
    public static torch.Device StartTorch(int threads, string device)
    {
        TorchRuntime.SetThreads(Positive("--threads", threads));
        return TorchRuntime.ResolveDevice(device);
    }

    public static string Accuracy(double value) => $"{value * 100:0.00}%";
}
