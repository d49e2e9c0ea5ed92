using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using NasActors.Torch.Runtime;

namespace NasActors.Torch.Tests.Data;

/// <summary>Puts the oneDNN ISA cap in place before a test's first TorchSharp call.</summary>
static class DataTestRuntime
{
    // The cap must reach libtorch before it loads, and a test may build tensors itself before touching
    // any NasActors.Torch type: run that assembly's module initializer explicitly.
    public static void Ensure() => RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
}

/// <summary>A fresh temporary directory per test, for the tiny data files the tests write; deleted on dispose.</summary>
sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        DataTestRuntime.Ensure();
        Path = Directory.CreateTempSubdirectory("nasactors-data-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Writes files in the formats the data layer reads.</summary>
static class DataTestFiles
{
    public static void WriteIdx(string path, int[] dimensions, byte[] data, bool gzip)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        header[2] = 0x08;
        header[3] = (byte)dimensions.Length;
        for (var i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        WriteBytes(path, [.. header, .. data], gzip);
    }

    public static void WriteBytes(string path, byte[] content, bool gzip)
    {
        using var file = System.IO.File.Create(path);
        if (!gzip)
        {
            file.Write(content);
            return;
        }
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(content);
    }

    /// <summary>Pixel values that differ by image, row and column, so misplaced bytes show.</summary>
    public static byte Pixel(int image, int offset) => (byte)((image * 37 + offset * 11) % 256);

    public static byte[] Images(int count, int height, int width)
    {
        var data = new byte[count * height * width];
        for (var image = 0; image < count; image++)
            for (var offset = 0; offset < height * width; offset++)
                data[image * height * width + offset] = Pixel(image, offset);
        return data;
    }

    public static byte[] Labels(int count, int shift) => Enumerable.Range(0, count).Select(i => (byte)((i + shift) % 10)).ToArray();

    /// <summary>A Fashion-MNIST directory with <paramref name="trainCount"/> and <paramref name="testCount"/> 28x28 images;
    /// train image 0 is uniformly 200, to check resizing keeps flat regions flat.</summary>
    public static void WriteFashionMnist(string directory, int trainCount, int testCount, bool gzip = true)
    {
        var suffix = gzip ? ".gz" : "";
        var trainImages = Images(trainCount, 28, 28);
        Array.Fill(trainImages, (byte)200, 0, 28 * 28);
        WriteIdx(System.IO.Path.Combine(directory, "train-images-idx3-ubyte" + suffix), [trainCount, 28, 28], trainImages, gzip);
        WriteIdx(System.IO.Path.Combine(directory, "train-labels-idx1-ubyte" + suffix), [trainCount], Labels(trainCount, 0), gzip);
        WriteIdx(System.IO.Path.Combine(directory, "t10k-images-idx3-ubyte" + suffix), [testCount, 28, 28], Images(testCount, 28, 28), gzip);
        WriteIdx(System.IO.Path.Combine(directory, "t10k-labels-idx1-ubyte" + suffix), [testCount], Labels(testCount, 5), gzip);
    }

    /// <summary>One CIFAR-10 binary record: label byte, then the R, G and B planes of 32x32.</summary>
    public static byte[] CifarRecord(byte label, byte red, byte green, byte blue)
    {
        var record = new byte[3073];
        record[0] = label;
        Array.Fill(record, red, 1, 1024);
        Array.Fill(record, green, 1 + 1024, 1024);
        Array.Fill(record, blue, 1 + 2048, 1024);
        return record;
    }
}
