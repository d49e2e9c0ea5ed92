using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Data;

/// <summary>Turns raw 8-bit pixels and labels, as read from data set files, into the tensors an <see cref="ImageDataset"/> holds.</summary>
internal static class ImageTensors
{
    const long ResizeChunk = 4096;

    public static void ValidateImageSize(int? imageSize)
    {
        if (imageSize is < 1)
            throw new NasException($"image size {imageSize} is invalid: it must be a positive number of pixels (for example 16), or left out to keep the data set's own size");
    }

    /// <summary>Pixels (N, C, H, W) in row-major order become float32 scaled to [0, 1], resized to
    /// <paramref name="imageSize"/> when given, then normalised per channel. The result belongs to the current dispose scope.</summary>
    public static Tensor Images(byte[] pixels, long count, long channels, long height, long width,
                                ReadOnlySpan<float> means, ReadOnlySpan<float> stds, int? imageSize)
    {
        if (means.Length != channels || stds.Length != channels)
            throw new ArgumentException($"need one mean and one std per channel ({channels})");

        // Native conversions over whole blocks: per-pixel C# loops cost seconds on 47 MB of pixels.
        // frombuffer shares the array instead of copying it; the byte tensor is released (and the array unpinned) on return.
        using var flat = torch.frombuffer(pixels, ScalarType.Byte, count * channels * height * width);
        using var bytes = flat.view(count, channels, height, width);
        Tensor images;
        if (imageSize is { } size && (size != height || size != width))
        {
            images = torch.empty([count, channels, size, size], ScalarType.Float32);
            // Chunks keep the float copy of the full-size images small: fresh memory costs more to touch here
            // than the conversion itself, and one whole-set interpolate allocates several set-sized temporaries.
            for (long start = 0; start < count; start += ResizeChunk)
            {
                using var chunkScope = torch.NewDisposeScope();
                var length = Math.Min(ResizeChunk, count - start);
                var chunk = bytes.narrow(0, start, length).to(ScalarType.Float32);
                // Antialiasing matters when shrinking: plain bilinear reads only 4 source pixels per output pixel and
                // drops the rest, which aliases thin strokes. It equals plain bilinear when enlarging.
                var resized = nn.functional.interpolate(chunk, [size, size], mode: InterpolationMode.Bilinear,
                                                        align_corners: false, antialias: size < height || size < width);
                images.narrow(0, start, length).copy_(resized);
            }
        }
        else
        {
            images = bytes.to(ScalarType.Float32);
        }

        // Resizing before normalising gives the same result as after (both are affine per channel) on less data.
        using var pixel = 255f.ToScalar();
        using var scale = torch.tensor(stds.ToArray(), [1, channels, 1, 1]).mul_(pixel);
        using var shift = torch.tensor(means.ToArray(), [1, channels, 1, 1]).mul_(pixel);
        return images.sub_(shift).div_(scale);
    }

    /// <summary>Labels as int64, after checking each is a class index; <paramref name="source"/> names the file in the error.</summary>
    public static Tensor Labels(byte[] labels, int classCount, string source)
    {
        for (var i = 0; i < labels.Length; i++)
            if (labels[i] >= classCount)
                throw new NasException($"'{source}' is corrupt: label {labels[i]} at position {i} is not a class index (0 to {classCount - 1})");
        using var bytes = torch.tensor(labels, [labels.Length], ScalarType.Byte);
        return bytes.to(ScalarType.Int64);
    }
}
