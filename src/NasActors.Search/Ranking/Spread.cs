using System.Globalization;

namespace NasActors.Search.Ranking;

/// <summary>Mean and sample standard deviation over the seeds whose value is defined; <paramref name="Undefined"/>
/// counts those left out (NaN: a seed's supernet scored every architecture alike, so no ranking exists).</summary>
public sealed record Spread(double Mean, double StandardDeviation, int Defined, int Undefined = 0)
{
    public static Spread Of(IReadOnlyList<double> values)
    {
        var defined = values.Where(double.IsFinite).ToArray();
        if (defined.Length == 0) return new Spread(double.NaN, double.NaN, 0, values.Count);
        var mean = defined.Average();
        var sd = defined.Length < 2 ? double.NaN : Math.Sqrt(defined.Sum(v => (v - mean) * (v - mean)) / (defined.Length - 1));
        return new Spread(mean, sd, defined.Length, values.Count - defined.Length);
    }

    /// <summary>"0.431 ± 0.065"; one seed has no spread ("0.431 ± -"); "n/a" when no seed defines it; a count of
    /// seeds left out follows the numbers ("0.431 ± 0.065 (1 n/a)").</summary>
    public override string ToString()
    {
        if (Defined == 0) return "n/a";
        var spread = Defined < 2 ? "-" : StandardDeviation.ToString("0.000", CultureInfo.InvariantCulture);
        var text = string.Create(CultureInfo.InvariantCulture, $"{Mean:0.000} ± {spread}");
        return Undefined == 0 ? text : $"{text} ({Undefined} n/a)";
    }
}
