using System.Globalization;
using NasActors.Search.Ranking;
using NasActors.Search.Spaces;

namespace NasActors.Search.GroundTruth;

/// <summary>A CSV table of stand-alone accuracies, one row per (architecture, seed): the truth supernet rankings are judged by.
/// Rows are appended one at a time and flushed, so an interrupted table resumes where it stopped.</summary>
public sealed class GroundTruthTable
{
    public static readonly string[] Columns =
    [
        "arch", "seed", "epochs", "test_accuracy", "validation_accuracy", "params", "flops", "seconds",
        "channels", "cells", "image_size", "train_images",
    ];

    public static string Header => string.Join(',', Columns);

    public GroundTruthTable(IReadOnlyList<GroundTruthRow> rows) => Rows = rows;

    public IReadOnlyList<GroundTruthRow> Rows { get; }

    /// <summary>Reads a table, checking the header, each row's fields and that every architecture parses in the space. A path
    /// in the tables' former folder reads the table at its new place (<see cref="GroundTruthLocation"/>).</summary>
    public static GroundTruthTable Read(string path, IChoiceSpace space)
    {
        path = GroundTruthLocation.Resolve(path);
        if (!File.Exists(path)) throw new NasException($"ground-truth file '{path}' does not exist; make one with: ./nas groundtruth --out {path}");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasException($"ground-truth file '{path}' cannot be read: {e.Message}");
        }
        return Parse(text, path, space);
    }

    /// <summary>Parses a table's text as <see cref="Read"/> does; <paramref name="path"/> names it in errors. Every field is
    /// checked for its type and range (accuracies 0 to 1, counts and sizes positive), so a table read is one that every
    /// ranking can use.</summary>
    public static GroundTruthTable Parse(string text, string path, IChoiceSpace space)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(space);
        // Rows end with a newline once complete: a last line without one was cut short by a crash mid-write.
        var lines = text.Split('\n')[..^1].Select(line => line.TrimEnd('\r')).ToArray();
        if (lines.Length == 0) return new GroundTruthTable([]);
        var header = lines[0].Split(',');
        var missing = Columns.Where(c => !header.Contains(c)).ToArray();
        if (missing.Length > 0)
            throw new NasException($"ground-truth file '{path}' lacks column(s) {string.Join(", ", missing)}; its header must be: {Header}");
        var at = Columns.ToDictionary(c => c, c => Array.IndexOf(header, c));
        var rows = new List<GroundTruthRow>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (string.IsNullOrWhiteSpace(lines[n])) continue;
            var fields = lines[n].Split(',');
            if (fields.Length != header.Length)
                throw new NasException($"{path}:{n + 1}: expected {header.Length} fields, found {fields.Length}");
            string Field(string column) => fields[at[column]];
            try
            {
                var arch = space.Parse(Field("arch")).ToString();
                rows.Add(new GroundTruthRow(
                    arch, ParseInt(Field("seed"), "seed", 0), ParseInt(Field("epochs"), "epochs", 1),
                    ParseFraction(Field("test_accuracy"), "test_accuracy"), ParseFraction(Field("validation_accuracy"), "validation_accuracy"),
                    ParseLong(Field("params"), "params"), ParseLong(Field("flops"), "flops"), ParseSeconds(Field("seconds")),
                    ParseInt(Field("channels"), "channels", 1), ParseInt(Field("cells"), "cells", 1), ParseInt(Field("image_size"), "image_size", 1),
                    ParseInt(Field("train_images"), "train_images", 1)));
            }
            catch (Exception e) when (e is FormatException or OverflowException or NasException)
            {
                throw new NasException($"{path}:{n + 1}: {e.Message}", e);
            }
        }
        return new GroundTruthTable(rows);
    }

    /// <summary>Appends one row (writing the header first into a new file) and flushes it to disk.</summary>
    public static void Append(string path, GroundTruthRow row)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var stream = OpenExclusively(path);
        stream.SetLength(CompleteRowsLength(stream));
        stream.Seek(0, SeekOrigin.End);
        var isNew = stream.Length == 0;
        using var writer = new StreamWriter(stream);
        if (isNew) writer.Write(Header + "\n");
        writer.Write(string.Join(',',
            row.Architecture, Format(row.Seed), Format(row.Epochs), Format(row.TestAccuracy), Format(row.ValidationAccuracy),
            Format(row.Parameters), Format(row.Flops), Format(row.Seconds), Format(row.Channels), Format(row.Cells),
            Format(row.ImageSize), Format(row.TrainImages)) + "\n");
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Opens the table for appending with an exclusive lock, waiting while another worker process appends.</summary>
    static FileStream OpenExclusively(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600 && File.Exists(path))
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Length of the file up to its last newline: a row cut short by a crash is dropped before appending.</summary>
    static long CompleteRowsLength(FileStream stream)
    {
        var buffer = new byte[4096];
        for (var end = stream.Length; end > 0;)
        {
            var start = Math.Max(0, end - buffer.Length);
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, (int)(end - start));
            var newline = Array.LastIndexOf(buffer, (byte)'\n', (int)(end - start - 1));
            if (newline >= 0) return start + newline + 1;
            end = start;
        }
        return 0;
    }

    /// <summary>Mean test accuracy per architecture over its seeds.</summary>
    public IReadOnlyDictionary<string, double> MeanTestAccuracy() =>
        Rows.GroupBy(r => r.Architecture).ToDictionary(g => g.Key, g => g.Average(r => r.TestAccuracy));

    /// <summary>Mean validation accuracy per architecture over its seeds: what settings are chosen on, so that the test
    /// accuracies stay unseen until the choice is made.</summary>
    public IReadOnlyDictionary<string, double> MeanValidationAccuracy() =>
        Rows.GroupBy(r => r.Architecture).ToDictionary(g => g.Key, g => g.Average(r => r.ValidationAccuracy));

    /// <summary>Kendall tau between the rankings that two seeds give the architectures trained with both:
    /// the ceiling any estimate of this table can reach.</summary>
    public double? SeedToSeedTau(int seedA, int seedB)
    {
        var pairs = SeedPairs(seedA, seedB);
        if (pairs.Length < 2) return null;
        return RankCorrelation.KendallTau(pairs.Select(p => p.A).ToArray(), pairs.Select(p => p.B).ToArray());
    }

    /// <summary>Test accuracies under the two seeds of every architecture trained with both.</summary>
    (double A, double B)[] SeedPairs(int seedA, int seedB)
    {
        var a = Rows.Where(r => r.Seed == seedA).GroupBy(r => r.Architecture).ToDictionary(g => g.Key, g => g.First().TestAccuracy);
        var b = Rows.Where(r => r.Seed == seedB).GroupBy(r => r.Architecture).ToDictionary(g => g.Key, g => g.First().TestAccuracy);
        return a.Keys.Where(b.ContainsKey).Select(k => (a[k], b[k])).ToArray();
    }

    /// <summary>How far one seed's test accuracy strays from its architecture's mean (the standard deviation of the two
    /// seeds' difference, over sqrt 2) against how far the architectures' two-seed means spread (standard deviation):
    /// architectures closer than the noise rank by chance, so their ratio bounds the seed-to-seed tau. Training longer
    /// helps only if it lowers the noise more than the spread. Null below two architectures trained with both seeds.</summary>
    public NoiseAndSpread? SeedNoise(int seedA, int seedB)
    {
        var pairs = SeedPairs(seedA, seedB);
        if (pairs.Length < 2) return null;
        return new NoiseAndSpread(StandardDeviation(pairs.Select(p => p.A - p.B)) / Math.Sqrt(2), StandardDeviation(pairs.Select(p => (p.A + p.B) / 2)), pairs.Length);
    }

    static double StandardDeviation(IEnumerable<double> values)
    {
        var array = values.ToArray();
        var mean = array.Average();
        return Math.Sqrt(array.Sum(v => (v - mean) * (v - mean)) / array.Length);
    }

    /// <summary>Kendall tau between parameter count and mean test accuracy: what the cheapest proxy, with no training at
    /// all, already ranks. A supernet earns its cost only above it. Null below two architectures.</summary>
    public double? ParameterCountTau()
    {
        var architectures = Rows.GroupBy(r => r.Architecture)
            .Select(g => (Parameters: (double)g.First().Parameters, Accuracy: g.Average(r => r.TestAccuracy))).ToArray();
        if (architectures.Length < 2) return null;
        return RankCorrelation.KendallTau(architectures.Select(a => a.Parameters).ToArray(), architectures.Select(a => a.Accuracy).ToArray());
    }

    /// <summary>Kendall tau between the mean of the odd seeds and the mean of the even seeds (1, 3, .. against 2, 4, ..)
    /// over the architectures trained with every seed 1..2k, k as large as the table allows: how well two independent
    /// k-seed means agree, the ceiling for a truth that averages seeds. Null below four seeds on two architectures.</summary>
    public SplitHalfAgreement? SplitHalfTau()
    {
        var seedsByArchitecture = Rows.GroupBy(r => r.Architecture)
            .ToDictionary(g => g.Key, g => g.GroupBy(r => r.Seed).ToDictionary(s => s.Key, s => s.First().TestAccuracy));
        // Seeds 1..2k all present: k is at most half the distinct seeds, however large one seed's number is.
        var distinctSeeds = Rows.Select(r => r.Seed).Distinct().ToArray();
        for (var half = Math.Min(distinctSeeds.DefaultIfEmpty(0).Max(), distinctSeeds.Length) / 2; half >= 2; half--)
        {
            var complete = seedsByArchitecture.Values
                .Where(seeds => Enumerable.Range(1, 2 * half).All(seeds.ContainsKey)).ToArray();
            if (complete.Length < 2) continue;
            var odd = complete.Select(seeds => Enumerable.Range(0, half).Average(i => seeds[2 * i + 1])).ToArray();
            var even = complete.Select(seeds => Enumerable.Range(1, half).Average(i => seeds[2 * i])).ToArray();
            return new SplitHalfAgreement(RankCorrelation.KendallTau(odd, even), half, complete.Length);
        }
        return null;
    }

    static int ParseInt(string text, string column, int min)
    {
        var value = int.Parse(text, CultureInfo.InvariantCulture);
        return value >= min ? value : throw OutOfRange(column, text, $"a whole number of at least {min}");
    }

    static long ParseLong(string text, string column)
    {
        var value = long.Parse(text, CultureInfo.InvariantCulture);
        return value >= 0 ? value : throw OutOfRange(column, text, "a count of at least 0");
    }

    static double ParseFraction(string text, string column)
    {
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return value is >= 0 and <= 1 ? value : throw OutOfRange(column, text, "an accuracy from 0 to 1");
    }

    static double ParseSeconds(string text)
    {
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return value >= 0 && double.IsFinite(value) ? value : throw OutOfRange("seconds", text, "a time of at least 0");
    }

    static NasException OutOfRange(string column, string text, string expected) => new($"{column} = {text} is invalid: expected {expected}");
    static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
    static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Kendall tau between two means of <paramref name="SeedsPerHalf"/> seeds each, over <paramref name="Architectures"/> architectures.</summary>
public sealed record SplitHalfAgreement(double Tau, int SeedsPerHalf, int Architectures);

/// <summary>Per-seed noise and spread of the architectures' means (both in accuracy, 0..1) over <paramref name="Architectures"/>.</summary>
public sealed record NoiseAndSpread(double Noise, double Spread, int Architectures);
