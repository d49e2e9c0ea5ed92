using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>Classification accuracy of a child model, stand-alone or with weights inherited from a supernet.</summary>
public static class Evaluation
{
    /// <summary>Fraction of <paramref name="indices"/> (all samples when null) classified correctly along <paramref name="path"/>,
    /// in batches of at most <paramref name="batchSize"/> and all of one size (to within one image): a supernet
    /// normalises each batch with its own statistics, and a small last batch would score its images more noisily.</summary>
    public static double Accuracy(PathNetwork network, Architecture path, ImageDataset data, IReadOnlyList<int>? indices,
                                  Device device, int batchSize = 500)
    {
        var rows = indices?.ToArray() ?? Enumerable.Range(0, data.Count).ToArray();
        if (rows.Length == 0) throw new NasException("cannot measure accuracy on an empty set");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "an evaluation batch needs at least one image");
        network.eval();
        using var noGrad = no_grad();
        long correct = 0;
        var batches = (rows.Length + batchSize - 1) / batchSize;
        for (var b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var start = (int)((long)rows.Length * b / batches);
            var batch = rows.AsSpan(start, (int)((long)rows.Length * (b + 1) / batches) - start);
            var (images, labels) = data.Batch(batch, device);
            correct += network.Forward(images, path).argmax(1).eq(labels).sum().item<long>();
        }
        return (double)correct / rows.Length;
    }
}
