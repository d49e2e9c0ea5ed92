using System.Buffers.Binary;
using System.Text;

namespace NasActors.Tests.Shared;

/// <summary>A minimal reader of TensorBoard event files: TFRecord frames ([uint64 LE length][masked CRC32C of the
/// length][data][masked CRC32C of the data], both CRCs checked) holding Event protobufs, of which it reads the step
/// (field 2), the summary (field 5) and each summary value's tag (1), simple_value (2) and whether it holds an image (4).</summary>
public static class TensorBoardEvents
{
    public sealed record Value(long Step, string Tag, float? Scalar, bool IsImage);

    public static List<Value> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new List<Value>();
        for (var at = 0; at < bytes.Length;)
        {
            if (bytes.Length - at < 12) throw new InvalidDataException($"{path}: truncated frame header at byte {at}");
            var header = bytes.AsSpan(at, 8);
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header));
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)) != MaskedCrc(header))
                throw new InvalidDataException($"{path}: bad length CRC at byte {at}");
            if (bytes.Length - at - 12 < length + 4) throw new InvalidDataException($"{path}: truncated frame at byte {at}");
            var data = bytes.AsSpan(at + 12, length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length, 4)) != MaskedCrc(data))
                throw new InvalidDataException($"{path}: bad data CRC at byte {at}");
            ReadEvent(data, values);
            at += 12 + length + 4;
        }
        return values;
    }

    static void ReadEvent(ReadOnlySpan<byte> data, List<Value> values)
    {
        long step = 0;
        var summaries = new List<byte[]>();
        for (var at = 0; at < data.Length;)
        {
            var (field, wire) = Key(data, ref at);
            if (field == 2 && wire == 0) step = (long)Varint(data, ref at);
            else if (field == 5 && wire == 2) summaries.Add(Bytes(data, ref at).ToArray());
            else Skip(data, ref at, wire);
        }
        foreach (var summary in summaries)
            for (var at = 0; at < summary.Length;)
            {
                var (field, wire) = Key(summary, ref at);
                if (field == 1 && wire == 2) values.Add(ReadValue(Bytes(summary, ref at), step));
                else Skip(summary, ref at, wire);
            }
    }

    static Value ReadValue(ReadOnlySpan<byte> data, long step)
    {
        string tag = "";
        float? scalar = null;
        var image = false;
        for (var at = 0; at < data.Length;)
        {
            var (field, wire) = Key(data, ref at);
            if (field == 1 && wire == 2) tag = Encoding.UTF8.GetString(Bytes(data, ref at));
            else if (field == 2 && wire == 5) { scalar = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(at, 4)); at += 4; }
            else if (field == 4 && wire == 2) { image = Bytes(data, ref at).Length > 0; }
            else Skip(data, ref at, wire);
        }
        return new Value(step, tag, scalar, image);
    }

    static (int Field, int Wire) Key(ReadOnlySpan<byte> data, ref int at)
    {
        var key = Varint(data, ref at);
        return ((int)(key >> 3), (int)(key & 7));
    }

    static ulong Varint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }

    static ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> data, ref int at)
    {
        var length = (int)Varint(data, ref at);
        var slice = data.Slice(at, length);
        at += length;
        return slice;
    }

    static void Skip(ReadOnlySpan<byte> data, ref int at, int wire)
    {
        switch (wire)
        {
            case 0: Varint(data, ref at); break;
            case 1: at += 8; break;
            case 2: Bytes(data, ref at); break;
            case 5: at += 4; break;
            default: throw new InvalidDataException($"unsupported protobuf wire type {wire}");
        }
    }

    static readonly uint[] Table = BuildTable();

    static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    /// <summary>CRC32C (Castagnoli), masked as TFRecord stores it.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        crc ^= 0xFFFFFFFFu;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }
}
