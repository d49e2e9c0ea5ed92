namespace NasActors.Tests.Shared;

/// <summary>The byte-level edits the fuzz tests share: each takes the drawn numbers <c>a</c> and <c>b</c> and reduces
/// them to a position and a length inside the input, so that any draw gives a valid edit.</summary>
public static class ByteMutations
{
    public static byte[] Truncate(byte[] bytes, int a) => bytes[..(a % (bytes.Length + 1))];

    public static byte[] Insert(byte[] bytes, int a, byte[] inserted)
    {
        var at = a % (bytes.Length + 1);
        return [.. bytes[..at], .. inserted, .. bytes[at..]];
    }

    public static byte[] FlipBit(byte[] bytes, int a, int b)
    {
        if (bytes.Length == 0) return bytes;
        var copy = bytes.ToArray();
        copy[a % copy.Length] ^= (byte)(1 << (b % 8));
        return copy;
    }

    public static byte[] DeleteRange(byte[] bytes, int a, int b, int longest)
    {
        if (bytes.Length == 0) return bytes;
        var at = a % bytes.Length;
        var length = 1 + b % Math.Min(longest, bytes.Length - at);
        return [.. bytes[..at], .. bytes[(at + length)..]];
    }

    public static byte[] DuplicateRange(byte[] bytes, int a, int b, int longest)
    {
        if (bytes.Length == 0) return bytes;
        var at = a % bytes.Length;
        var length = 1 + b % Math.Min(longest, bytes.Length - at);
        return [.. bytes[..(at + length)], .. bytes[at..(at + length)], .. bytes[(at + length)..]];
    }
}
