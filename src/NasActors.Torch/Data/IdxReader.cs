using System.Buffers.Binary;
using System.IO.Compression;

namespace NasActors.Torch.Data;

/// <summary>Reads IDX files (the MNIST format), gzip-compressed (.gz, detected by magic bytes 1f 8b) or plain.</summary>
public static class IdxReader
{
    const byte UnsignedByteType = 0x08;

    static readonly Dictionary<byte, string> ElementTypes = new()
    {
        [0x08] = "unsigned byte",
        [0x09] = "signed byte",
        [0x0B] = "short",
        [0x0C] = "int",
        [0x0D] = "float",
        [0x0E] = "double",
    };

    /// <summary>Reads a whole IDX file of unsigned bytes; any defect is a <see cref="NasException"/> naming the file.</summary>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new NasException($"IDX file '{path}' does not exist");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            // The content decides, not the name: the Debian package and hand-extracted copies differ in suffixes.
            using var stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return Read(path, stream);
        }
        catch (InvalidDataException e)
        {
            throw new NasException($"IDX file '{path}' starts like gzip but does not decompress ({e.Message}); the file is corrupt: re-install or re-download it", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new NasException($"cannot read IDX file '{path}': {e.Message}", e);
        }
    }

    static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    static IdxArray Read(string path, Stream stream)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadHeader(path, stream, magic, "magic number");
        if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || !ElementTypes.TryGetValue(magic[2], out var typeName))
            throw new NasException(
                $"'{path}' is not an IDX file: bad magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8} " +
                "(expected 00 00, an element type, a dimension count); pass the MNIST-format image or label file");
        if (magic[2] != UnsignedByteType)
            throw new NasException(
                $"IDX file '{path}' holds {typeName} values (type 0x{magic[2]:X2}); only unsigned bytes (type 0x08) are supported");

        var dimensionCount = magic[3];
        var header = new byte[4 * dimensionCount];
        ReadHeader(path, stream, header, "dimensions");
        var dimensions = new int[dimensionCount];
        var elementCount = 1L;
        for (var i = 0; i < dimensionCount; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * i));
            if (dimensions[i] < 0)
                throw new NasException($"IDX file '{path}' is corrupt: dimension {i} is {(uint)dimensions[i]}");
            elementCount *= dimensions[i];
            if (elementCount > Array.MaxLength)
                throw new NasException($"IDX file '{path}' declares more than {Array.MaxLength} values; it is corrupt or too large to load");
        }

        // One allocation and one bulk read: per-element or per-row reads make 47 MB of MNIST pixels slow.
        var data = new byte[elementCount];
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new NasException(
                $"IDX file '{path}' is truncated: its header declares {data.Length} values ({string.Join(" x ", dimensions)}) " +
                $"but only {read} follow; re-install or re-download it");
        if (stream.ReadByte() != -1)
            throw new NasException(
                $"IDX file '{path}' has data after the {data.Length} values its header declares; it is corrupt or not an IDX file");
        return new IdxArray(dimensions, data);
    }

    static void ReadHeader(string path, Stream stream, Span<byte> buffer, string part)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
            throw new NasException($"IDX file '{path}' is truncated: it ends inside its header ({part}); re-install or re-download it");
    }
}
