using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>Classification accuracy of a child model, stand-alone or with weights inherited from a supernet.</summary>
public static class Evaluation
{
    /// <summary>Fraction of <paramref name="indices"/> (all samples when null) classified correctly along <paramref name="path"/>.</summary>
    public static double Accuracy(PathNetwork network, Architecture path, ImageDataset data, IReadOnlyList<int>? indices,
                                  Device device, int batchSize = 500)
    {
        var rows = indices?.ToArray() ?? Enumerable.Range(0, data.Count).ToArray();
        if (rows.Length == 0) throw new NasException("cannot measure accuracy on an empty set");
        network.eval();
        using var noGrad = no_grad();
        long correct = 0;
        for (var start = 0; start < rows.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = rows.AsSpan(start, Math.Min(batchSize, rows.Length - start));
            var (images, labels) = data.Batch(batch, device);
            correct += network.Forward(images, path).argmax(1).eq(labels).sum().item<long>();
        }
        return (double)correct / rows.Length;
    }
}
