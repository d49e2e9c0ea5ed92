using TorchSharp;

namespace NasActors.Torch.Data;

/// <summary>CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, each record 1 label byte + 3072 bytes (1024 R, 1024 G, 1024 B, row-major 32x32).</summary>
public static class Cifar10
{
    /// <summary>Where the extracted binary archive would be; no package provides it, so users usually pass --data-dir.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/cifar-10-batches-bin";

    /// <summary>Class names in label order.</summary>
    public static readonly string[] ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    const int Channels = 3;
    const int Side = 32;
    const int ImageBytes = Channels * Side * Side;
    const int RecordBytes = 1 + ImageBytes;

    static readonly float[] Means = [0.4914f, 0.4822f, 0.4465f];
    static readonly float[] Stds = [0.2470f, 0.2435f, 0.2616f];

    static readonly string[] TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
    static readonly string[] TestFiles = ["test_batch.bin"];

    const string DownloadHint =
        "download the CIFAR-10 binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), " +
        "extract it and pass --data-dir DIR naming the cifar-10-batches-bin directory";

    /// <summary>Loads train (50,000) and test (10,000), resized to <paramref name="imageSize"/> square when given
    /// (bilinear, once, at load) and normalised per channel.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? dataDirectory, int? imageSize)
    {
        ImageTensors.ValidateImageSize(imageSize);
        var directory = dataDirectory ?? DefaultDirectory;
        if (!Directory.Exists(directory))
            throw new NasException($"CIFAR-10 directory '{directory}' does not exist; {DownloadHint}");
        var trainPaths = TrainFiles.Select(file => FindFile(directory, file)).ToArray();
        var testPaths = TestFiles.Select(file => FindFile(directory, file)).ToArray();

        var train = LoadSplit("cifar10-train", trainPaths, imageSize);
        try
        {
            return (train, LoadSplit("cifar10-test", testPaths, imageSize));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    static string FindFile(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path)) throw new NasException($"CIFAR-10 file '{path}' is missing; {DownloadHint}");
        return path;
    }

    static ImageDataset LoadSplit(string name, string[] paths, int? imageSize)
    {
        var recordCounts = paths.Select(RecordCount).ToArray();
        var total = recordCounts.Sum(count => (long)count);
        if (total * ImageBytes > Array.MaxLength)
            throw new NasException($"the CIFAR-10 files in '{Path.GetDirectoryName(paths[0])}' hold {total} images, too many to load at once");

        // Records interleave a label byte with each image; splitting them with one block copy per record
        // lets the pixels become a tensor in a single conversion.
        var pixels = new byte[total * ImageBytes];
        var labels = new byte[total];
        var image = 0;
        for (var file = 0; file < paths.Length; file++)
        {
            var records = File.ReadAllBytes(paths[file]);
            if (records.Length != (long)recordCounts[file] * RecordBytes)
                throw new NasException($"CIFAR-10 file '{paths[file]}' changed while it was being read; load again");
            for (var offset = 0; offset < records.Length; offset += RecordBytes, image++)
            {
                if (records[offset] >= ClassNames.Length)
                    throw new NasException($"CIFAR-10 file '{paths[file]}' is corrupt: record {offset / RecordBytes} has label {records[offset]}, not a class index (0 to {ClassNames.Length - 1})");
                labels[image] = records[offset];
                Buffer.BlockCopy(records, offset + 1, pixels, image * ImageBytes, ImageBytes);
            }
        }

        using var scope = torch.NewDisposeScope();
        var imageTensor = ImageTensors.Images(pixels, total, Channels, Side, Side, Means, Stds, imageSize);
        var labelTensor = ImageTensors.Labels(labels, ClassNames.Length, name);
        return new ImageDataset(name, imageTensor, labelTensor, ClassNames.Length);
    }

    static int RecordCount(string path)
    {
        var length = new FileInfo(path).Length;
        if (length == 0 || length % RecordBytes != 0)
            throw new NasException(
                $"CIFAR-10 file '{path}' is {length} bytes, not a whole number of {RecordBytes}-byte records; " +
                $"it is truncated or not the binary version (the Python and MATLAB versions differ): {DownloadHint}");
        return checked((int)(length / RecordBytes));
    }
}
