using System.Globalization;

namespace NasActors.Search.Randomness;

/// <summary>xoshiro256** generator whose whole state can be saved and restored, so that a resumed run draws
/// exactly what an uninterrupted one would have drawn (System.Random offers neither a stable algorithm nor its state).</summary>
public sealed class Rng
{
    ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words from SplitMix64, as the algorithm's authors recommend.</summary>
    public Rng(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    Rng(ulong s0, ulong s1, ulong s2, ulong s3) => (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);

    /// <summary>A seed for an independent stream derived from a run seed and a stream name (strategy, data order...).</summary>
    public static ulong DeriveSeed(ulong seed, string stream)
    {
        var x = seed ^ 0x9E3779B97F4A7C15UL;
        foreach (var c in stream) x = SplitMix64Step(x ^ c);
        return x;
    }

    public ulong NextULong()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, bound), without modulo bias (Lemire's method).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), "bound must be positive");
        var range = (ulong)bound;
        var product = Math.BigMul(NextULong(), range, out var low);
        if (low < range)
        {
            var threshold = (0UL - range) % range;
            while (low < threshold) product = Math.BigMul(NextULong(), range, out low);
        }
        return (int)product;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Index drawn with probability proportional to the (non-negative) weights.</summary>
    public int NextWeighted(ReadOnlySpan<double> weights)
    {
        double total = 0;
        foreach (var w in weights) total += w;
        if (!(total > 0)) throw new ArgumentException("weights must have a positive, finite sum", nameof(weights));
        var target = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0) return i;
        }
        for (var i = weights.Length - 1; i >= 0; i--) if (weights[i] > 0) return i;
        return weights.Length - 1;
    }

    /// <summary>In-place Fisher-Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..count-1.</summary>
    public int[] Permutation(int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++) order[i] = i;
        Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>The generator's state as text (four hex words), for checkpoints and journals.</summary>
    public string SaveState() => string.Join('-', new[] { _s0, _s1, _s2, _s3 }.Select(w => w.ToString("x16")));

    /// <summary>Restores a generator saved with <see cref="SaveState"/>.</summary>
    public static Rng FromState(string state)
    {
        var words = state.Split('-');
        if (words.Length != 4 || !words.All(w => ulong.TryParse(w, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
            throw new NasException($"malformed random generator state '{state}': expected four hex words joined by '-'");
        var s = words.Select(w => ulong.Parse(w, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        if (s.All(w => w == 0)) throw new NasException("random generator state is all zeros, which xoshiro256** cannot leave");
        return new Rng(s[0], s[1], s[2], s[3]);
    }

    public Rng Clone() => new(_s0, _s1, _s2, _s3);

    static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return SplitMix64Step(x);
    }

    static ulong SplitMix64Step(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
