using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Data;

/// <summary>A labelled image set held as tensors on the CPU: images float32 (N, C, H, W) already normalised, labels int64 (N).</summary>
public sealed class ImageDataset : IDisposable
{
    bool disposed;

    /// <summary>Takes ownership of both tensors: they leave any dispose scope and live until <see cref="Dispose"/>.</summary>
    public ImageDataset(string name, Tensor images, Tensor labels, int classCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (images.dim() != 4 || images.dtype != ScalarType.Float32)
            throw new ArgumentException($"images must be float32 (N, C, H, W), got {images.dtype} [{string.Join(", ", images.shape)}]", nameof(images));
        if (labels.dim() != 1 || labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"labels must be int64 (N), got {labels.dtype} [{string.Join(", ", labels.shape)}]", nameof(labels));
        if (images.shape[0] != labels.shape[0])
            throw new ArgumentException($"{images.shape[0]} images but {labels.shape[0]} labels", nameof(labels));
        if (images.device_type != DeviceType.CPU || labels.device_type != DeviceType.CPU)
            throw new ArgumentException("a data set lives on the CPU; batches are moved to the training device", nameof(images));

        Name = name;
        // Detached, not moved to the outer scope: a caller's scope must not free a data set that outlives it.
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassCount = classCount;
        Count = checked((int)images.shape[0]);
        Channels = checked((int)images.shape[1]);
        Height = checked((int)images.shape[2]);
        Width = checked((int)images.shape[3]);
    }

    public string Name { get; }
    public int Count { get; }
    public int ClassCount { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public Tensor Images { get; }
    public Tensor Labels { get; }

    /// <summary>The rows at <paramref name="indices"/>, in that order, as new tensors on <paramref name="device"/>
    /// (CPU when null); they belong to the caller's dispose scope.</summary>
    public (Tensor Images, Tensor Labels) Batch(ReadOnlySpan<int> indices, Device? device = null)
    {
        using var index = IndexTensor(indices);
        var images = Images.index_select(0, index);
        var labels = Labels.index_select(0, index);
        if (device is null || device.type == DeviceType.CPU) return (images, labels);

        using (images)
        using (labels)
            return (images.to(device), labels.to(device));
    }

    /// <summary>A new data set holding copies of the rows at <paramref name="indices"/>.</summary>
    public ImageDataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        using var index = IndexTensor(indices);
        return new ImageDataset(name ?? $"{Name}-subset", Images.index_select(0, index), Labels.index_select(0, index), ClassCount);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Images.Dispose();
        Labels.Dispose();
    }

    public override string ToString() => $"{Name}: {Count} images {Channels}x{Height}x{Width}, {ClassCount} classes";

    Tensor IndexTensor(ReadOnlySpan<int> indices)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        // Checked here because libtorch's own out-of-range error names neither the index nor the data set.
        var rows = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            var row = indices[i];
            if ((uint)row >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), row, $"row index out of range for {Name} ({Count} images)");
            rows[i] = row;
        }
        return torch.tensor(rows, ScalarType.Int64);
    }
}
