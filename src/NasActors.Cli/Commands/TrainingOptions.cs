using System.CommandLine;
using NasActors.Search;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using TorchSharp;

namespace NasActors.Cli.Commands;

/// <summary>The options of every command that trains on a data set (data, network size, threads, device), and the
/// set-up they imply.</summary>
internal sealed class TrainingOptions
{
    readonly Option<string> _dataset = new("--dataset") { Description = "data set: fashion-mnist or cifar10", DefaultValueFactory = _ => "fashion-mnist" };
    readonly Option<string?> _dataDir = new("--data-dir") { Description = "folder holding the data set's files (default: where its Debian package puts them)" };
    readonly Option<int> _imageSize = CommonOptions.ImageSize();
    readonly Option<int> _channels = CommonOptions.Channels();
    readonly Option<int> _cells = CommonOptions.Cells();
    readonly Option<int> _threads = CommonOptions.Threads();
    readonly Option<string> _device = CommonOptions.Device();
    readonly Option<int> _validationSize = new("--validation-size") { Description = "training images held out to validate child models", DefaultValueFactory = _ => 10_000 };
    readonly Option<int> _splitSeed = new("--split-seed") { Description = "seed of the train/validation split", DefaultValueFactory = _ => 0 };
    readonly Option<int?> _trainImages = new("--train-images") { Description = "train on this many of the training images, the same subset for every run (default: all left after validation)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _dataset, _dataDir, _imageSize, _channels, _cells, _threads, _device, _validationSize, _splitSeed, _trainImages })
            command.Add(option);
    }

    /// <summary>Sets torch up and loads the data; call after every other argument is checked, so bad input costs nothing.</summary>
    public TrainingSetup Start(ParseResult parsed)
    {
        var device = CommonOptions.StartTorch(parsed.GetValue(_threads), parsed.GetValue(_device)!);
        CommonOptions.Positive("--image-size", parsed.GetValue(_imageSize));
        var trainImages = parsed.GetValue(_trainImages);
        if (trainImages is { } requested) CommonOptions.Positive("--train-images", requested);
        var (train, test) = DataSets.Load(parsed.GetValue(_dataset)!, parsed.GetValue(_dataDir), parsed.GetValue(_imageSize));
        try
        {
            var splitSeed = (ulong)parsed.GetValue(_splitSeed);
            var split = DataSplit.Create(train.Count, parsed.GetValue(_validationSize), splitSeed);
            if (trainImages is { } subset)
            {
                if (subset > split.Train.Length)
                    throw new NasException($"--train-images {subset} is more than the {split.Train.Length} training images left after " +
                                           $"--validation-size {split.Validation.Length}: give at most {split.Train.Length}, or a smaller --validation-size");
                split = split.WithTrainingSubset(subset, splitSeed);
            }
            var shape = new NetworkShape(CommonOptions.Positive("--channels", parsed.GetValue(_channels)),
                CommonOptions.Positive("--cells", parsed.GetValue(_cells)), train.Channels, train.Height, train.ClassCount);
            shape.Validate();
            return new TrainingSetup(device, train, test, split, shape);
        }
        catch
        {
            train.Dispose();
            test.Dispose();
            throw;
        }
    }
}

/// <summary>What a training command works with: the device, the data and its split, the network's shape.</summary>
internal sealed record TrainingSetup(torch.Device Device, ImageDataset Train, ImageDataset Test, DataSplit Split, NetworkShape Shape) : IDisposable
{
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
