using System.CommandLine;
using NasActors.Search;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using TorchSharp;

namespace NasActors.Cli.Commands;

/// <summary>Options several commands share, and the set-up they imply.</summary>
internal static class CommonOptions
{
    public static Option<string> Space() => new("--space") { Description = "search space", DefaultValueFactory = _ => "nb201" };
    public static Option<string> Dataset() => new("--dataset") { Description = "data set: fashion-mnist or cifar10", DefaultValueFactory = _ => "fashion-mnist" };
    public static Option<string?> DataDir() => new("--data-dir") { Description = "folder holding the data set's files (default: where its Debian package puts them)" };
    public static Option<int> ImageSize() => new("--image-size") { Description = "resize images to this many pixels square (bilinear)", DefaultValueFactory = _ => 16 };
    public static Option<int> Channels() => new("--channels") { Description = "C: channels of the first stage", DefaultValueFactory = _ => 8 };
    public static Option<int> Cells() => new("--cells") { Description = "N: cells per stage", DefaultValueFactory = _ => 1 };
    public static Option<int> Threads() => new("--threads") { Description = "intra-op threads (results are reproducible per thread count)", DefaultValueFactory = _ => Math.Min(Environment.ProcessorCount, 4) };
    public static Option<string> Device() => new("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
    public static Option<int> ValidationSize() => new("--validation-size") { Description = "training images held out to validate child models", DefaultValueFactory = _ => 10_000 };
    public static Option<int> SplitSeed() => new("--split-seed") { Description = "seed of the train/validation split", DefaultValueFactory = _ => 0 };

    public static int Positive(string name, int value) =>
        value > 0 ? value : throw new NasException($"{name} must be positive, got {value}");

    /// <summary>Sets threads and resolves the device; every torch command starts here.</summary>
    public static torch.Device StartTorch(int threads, string device)
    {
        TorchRuntime.SetThreads(Positive("--threads", threads));
        return TorchRuntime.ResolveDevice(device);
    }

    public static (ImageDataset Train, ImageDataset Test, DataSplit Split) LoadData(
        string dataset, string? dataDir, int imageSize, int validationSize, int splitSeed)
    {
        Positive("--image-size", imageSize);
        var (train, test) = DataSets.Load(dataset, dataDir, imageSize);
        return (train, test, DataSplit.Create(train.Count, validationSize, (ulong)splitSeed));
    }

    public static NetworkShape Shape(ImageDataset data, int channels, int cells)
    {
        var shape = new NetworkShape(Positive("--channels", channels), Positive("--cells", cells), data.Channels, data.Height, data.ClassCount);
        shape.Validate();
        return shape;
    }

    public static string Accuracy(double value) => $"{value * 100:0.00}%";
}
