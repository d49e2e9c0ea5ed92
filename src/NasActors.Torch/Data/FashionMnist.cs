using TorchSharp;

namespace NasActors.Torch.Data;

/// <summary>Fashion-MNIST from its four IDX .gz files (Debian package dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist).</summary>
public static class FashionMnist
{
    public const string DebianPackage = "dataset-fashion-mnist";
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Class names in label order (label 0 is a T-shirt/top).</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    // Mean and standard deviation of the training pixels scaled to [0, 1].
    const float Mean = 0.2860f;
    const float Std = 0.3530f;

    const string InstallHint =
        $"install it with: apt-get install {DebianPackage} (it puts the files in {DefaultDirectory}), " +
        "or pass --data-dir DIR naming a directory that holds the four Fashion-MNIST IDX files";

    /// <summary>Loads train (60,000) and test (10,000), resized to <paramref name="imageSize"/> square when given
    /// (bilinear, once, at load) and normalised.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string? dataDirectory, int? imageSize)
    {
        ImageTensors.ValidateImageSize(imageSize);
        var directory = dataDirectory ?? DefaultDirectory;
        if (!Directory.Exists(directory))
            throw new NasException($"Fashion-MNIST directory '{directory}' does not exist; {InstallHint}");

        // Every file is located before any is read, so a half-installed set fails fast with the missing name.
        var trainImages = FindFile(directory, "train-images-idx3-ubyte");
        var trainLabels = FindFile(directory, "train-labels-idx1-ubyte");
        var testImages = FindFile(directory, "t10k-images-idx3-ubyte");
        var testLabels = FindFile(directory, "t10k-labels-idx1-ubyte");

        var train = LoadSplit("fashion-mnist-train", trainImages, trainLabels, imageSize);
        try
        {
            return (train, LoadSplit("fashion-mnist-test", testImages, testLabels, imageSize));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    static string FindFile(string directory, string baseName)
    {
        var compressed = Path.Combine(directory, baseName + ".gz");
        if (File.Exists(compressed)) return compressed;
        var plain = Path.Combine(directory, baseName);
        if (File.Exists(plain)) return plain;
        throw new NasException($"Fashion-MNIST file '{compressed}' is missing (and so is '{plain}'); {InstallHint}");
    }

    static ImageDataset LoadSplit(string name, string imagesPath, string labelsPath, int? imageSize)
    {
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);
        if (images.Dimensions.Length != 3)
            throw new NasException($"'{imagesPath}' is not an image file: it has {images.Dimensions.Length} dimensions, images need 3 (count, height, width)");
        if (labels.Dimensions.Length != 1)
            throw new NasException($"'{labelsPath}' is not a label file: it has {labels.Dimensions.Length} dimensions, labels need 1");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new NasException($"'{imagesPath}' holds {images.Dimensions[0]} images but '{labelsPath}' holds {labels.Dimensions[0]} labels; the files come from different sets");

        using var scope = torch.NewDisposeScope();
        var imageTensor = ImageTensors.Images(images.Data, images.Dimensions[0], 1, images.Dimensions[1], images.Dimensions[2],
                                              [Mean], [Std], imageSize);
        var labelTensor = ImageTensors.Labels(labels.Data, ClassNames.Length, labelsPath);
        // The data set detaches its tensors from this scope; everything else made here is freed with it.
        return new ImageDataset(name, imageTensor, labelTensor, ClassNames.Length);
    }
}
