using System.Buffers.Binary;
using System.IO.Compression;

namespace NasActors.Tests.Shared;

/// <summary>A tiny stand-in for Fashion-MNIST: the four gzip-compressed IDX files, with images whose pixels
/// depend on the label (a bright vertical bar whose position is the class, plus noise), so a network can learn them.</summary>
public static class FakeFashionMnist
{
    public const int TrainCount = 400;
    public const int TestCount = 100;
    const int Side = 28;

    /// <summary>Writes the four files into <paramref name="directory"/> and returns it.</summary>
    public static string Write(string directory, int trainCount = TrainCount, int testCount = TestCount)
    {
        WriteSplit(directory, "train", trainCount, seed: 1);
        WriteSplit(directory, "t10k", testCount, seed: 2);
        return directory;
    }

    static void WriteSplit(string directory, string prefix, int count, int seed)
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        var pixels = new byte[count * Side * Side];
        for (var image = 0; image < count; image++)
        {
            var bar = 2 + 2 * labels[image];  // columns bar .. bar+3: the class, still visible at 8x8
            for (var row = 0; row < Side; row++)
                for (var column = 0; column < Side; column++)
                    pixels[(image * Side + row) * Side + column] =
                        (byte)(column >= bar && column < bar + 4 ? 200 + random.Next(56) : random.Next(60));
        }
        WriteIdx(Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz"), 0x00000803, [count, Side, Side], pixels);
        WriteIdx(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), 0x00000801, [count], labels);
    }

    static void WriteIdx(string path, uint magic, int[] dimensions, byte[] data)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (var i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(header);
        gzip.Write(data);
    }
}
