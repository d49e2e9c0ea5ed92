using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests;

/// <summary>Tiny learnable image sets made in memory: each class is a fixed random template plus noise.</summary>
internal static class SyntheticData
{
    public const int Classes = 10;

    public static ImageDataset Create(int count, int imageSize = 8, ulong seed = 1, float noise = 0.5f)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed);
        var templates = randn([Classes, 1, imageSize, imageSize], generator: generator);
        var labels = arange(count, dtype: ScalarType.Int64).remainder(Classes);
        var images = templates.index_select(0, labels) + noise * randn([count, 1, imageSize, imageSize], generator: generator);
        return new ImageDataset("synthetic", images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), Classes);
    }

    public static NetworkShape Shape(int channels = 4, int imageSize = 8) => new(channels, 1, 1, imageSize, Classes);
}
