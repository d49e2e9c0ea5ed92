
namespace NasActors.Torch.Data;

/// <summary>Names the data sets a spec can ask for and loads them.</summary>
public static class DataSets
{
    public const string FashionMnistName = "fashion-mnist";
    public const string Cifar10Name = "cifar10";

    static readonly Dictionary<string, Func<string?, int?, (ImageDataset Train, ImageDataset Test)>> Loaders =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [FashionMnistName] = FashionMnist.Load,
            [Cifar10Name] = Cifar10.Load,
        };

    public static IReadOnlyList<string> Names { get; } = [FashionMnistName, Cifar10Name];

    /// <summary>Loads train and test of the named set (case-insensitive) from <paramref name="dataDirectory"/>,
    /// or from the set's default directory when null.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string name, string? dataDirectory, int? imageSize)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Loaders.TryGetValue(name, out var load))
            throw new NasException($"unknown data set '{name}': use one of {string.Join(", ", Names)}");
        return load(dataDirectory, imageSize);
    }
}
