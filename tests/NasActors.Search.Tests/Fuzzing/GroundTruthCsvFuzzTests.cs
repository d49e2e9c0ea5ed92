using System.Text;
using CsCheck;
using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;
using Xunit.Abstractions;

namespace NasActors.Search.Tests.Fuzzing;

/// <summary>Mutations of the committed ground-truth table, written to a file and read with
/// <see cref="GroundTruthTable.Read"/> as every command does: each is read as a table that every ranking can use, or
/// refused with a <see cref="NasException"/>. Never any other exception.</summary>
public sealed class GroundTruthCsvFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Mutations per run: 1,500, or more when NAS_FUZZ_MUTATIONS asks for a deeper run by hand.</summary>
    static readonly int Mutations = Math.Max(1_500, int.TryParse(Environment.GetEnvironmentVariable("NAS_FUZZ_MUTATIONS"), out var n) ? n : 0);

    static readonly byte[] Table = File.ReadAllBytes(RepositoryFile("data/groundtruth/nb201-fashion-mnist-8px-n5-e6.csv"));

    /// <summary>What a field is replaced with: other types, out-of-range, huge and negative numbers, extra separators,
    /// broken architectures.</summary>
    static readonly string[] Values =
    [
        "", " ", "-1", "0", "1", "1.5", "-0.5", "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "99999999999999999999", "2147483647",
        "2147483648", "-2147483649", "9223372036854775808", "0x10", "1,2", "\"0.5\"", " 0.5 ", "0.5\r", "1e-320", "٣", "\uFFFD", "é",
        "|none~0|", "|nor_conv_3x3~1|+|none~0|none~1|+|none~0|none~1|none~2|", "|x~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|", "|~0|+||+|", "+++", "|", "~", new string('9', 400),
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    ];

    static readonly string[] Columns = [.. GroundTruthTable.Columns, "note", "ARCH", "seed "];

    static readonly byte[][] Bytes = [[0xFF], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF, 0xFE], [0xFE, 0xFF], [0xEF, 0xBB, 0xBF], [0x00], [(byte)'\r'], [(byte)'\n'], [(byte)',']];

    enum Kind { DeleteLine, DuplicateLine, SwapLines, ReplaceField, DeleteColumn, SwapHeaderColumns, RenameHeaderColumn, Truncate, InsertBytes, FlipBit, DeleteRange, DuplicateRange }

    sealed record Mutation(Kind Kind, int A, int B, int C)
    {
        public override string ToString() => $"{Kind}({A}, {B}, {C})";
    }

    static readonly Gen<Mutation[]> Generator =
        Gen.Select(Gen.Enum<Kind>(), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], (kind, a, b, c) => new Mutation(kind, a, b, c))
            .Array[1, 4];

    readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Every_mutation_of_the_ground_truth_table_should_be_read_as_a_usable_table_or_refused_with_a_NasException()
    {
        int tried = 0, accepted = 0;
        var refusals = new List<string>();
        var timer = System.Diagnostics.Stopwatch.StartNew();
        Generator.Sample(mutations =>
        {
            var path = _directory.File($"{Guid.NewGuid():N}.csv");
            File.WriteAllBytes(path, Apply(mutations));
            try
            {
                AssertUsable(GroundTruthTable.Read(path, Nb201Space.Instance));
                Interlocked.Increment(ref accepted);
            }
            catch (NasException e)
            {
                lock (refusals) refusals.Add(e.Message.Replace(path, "FILE"));
            }
            finally
            {
                File.Delete(path);
            }
            Interlocked.Increment(ref tried);
        }, iter: Mutations, print: Describe);
        output.WriteLine($"ground-truth CSV fuzzing: {tried} mutations of data/groundtruth/nb201-fashion-mnist-8px-n5-e6.csv tried in " +
                         $"{timer.Elapsed.TotalSeconds:F1} s: {accepted} read as usable tables, {tried - accepted} refused with a NasException, 0 other exceptions");
        foreach (var group in refusals.Select(m => System.Text.RegularExpressions.Regex.Replace(m, @"\d+", "N")).Select(m => m.Length > 100 ? m[..100] + "..." : m)
                     .GroupBy(m => m).OrderByDescending(g => g.Count()).Take(8))
            output.WriteLine($"{group.Count(),6} refused: {group.Key}");
        Assert.True(tried >= 1_000, $"only {tried} mutations tried");
        Assert.InRange(accepted, 1, tried - 1);
    }

    /// <summary>A table read is one every use of it can take: each row in range, each architecture in the space's own
    /// notation, and the agreement measures computed without error.</summary>
    static void AssertUsable(GroundTruthTable table)
    {
        foreach (var row in table.Rows)
        {
            Assert.Equal(row.Architecture, Nb201Space.Instance.Parse(row.Architecture).ToString());
            Assert.InRange(row.TestAccuracy, 0, 1);
            Assert.InRange(row.ValidationAccuracy, 0, 1);
            Assert.InRange(row.Seconds, 0, double.MaxValue);
            Assert.True(row.Seed >= 0 && row.Epochs >= 1 && row.Parameters >= 0 && row.Flops >= 0, row.ToString());
            Assert.True(row.Channels >= 1 && row.Cells >= 1 && row.ImageSize >= 1 && row.TrainImages >= 1, row.ToString());
        }
        Assert.All(table.MeanTestAccuracy().Values, accuracy => Assert.InRange(accuracy, 0, 1));
        Assert.All(table.MeanValidationAccuracy().Values, accuracy => Assert.InRange(accuracy, 0, 1));
        if (table.SeedToSeedTau(1, 2) is { } tau && !double.IsNaN(tau)) Assert.InRange(tau, -1, 1);
        if (table.SeedNoise(1, 2) is { } noise) Assert.True(double.IsFinite(noise.Noise) && double.IsFinite(noise.Spread));
        if (table.ParameterCountTau() is { } parameters && !double.IsNaN(parameters)) Assert.InRange(parameters, -1, 1);
        if (table.SplitHalfTau() is { } split && !double.IsNaN(split.Tau)) Assert.InRange(split.Tau, -1, 1);
    }

    static byte[] Apply(Mutation[] mutations)
    {
        var bytes = Table;
        foreach (var mutation in mutations) bytes = Apply(mutation, bytes);
        return bytes;
    }

    static byte[] Apply(Mutation m, byte[] bytes)
    {
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        byte[] Join(IEnumerable<string> changed) => Encoding.UTF8.GetBytes(string.Join('\n', changed));
        switch (m.Kind)
        {
            case Kind.DeleteLine:
                return Join(lines.Where((_, i) => i != m.A % lines.Length));
            case Kind.DuplicateLine:
            {
                var at = m.A % lines.Length;
                return Join(lines.Take(at + 1).Append(lines[at]).Concat(lines.Skip(at + 1)));
            }
            case Kind.SwapLines:
            {
                var (i, j) = (m.A % lines.Length, m.B % lines.Length);
                (lines[i], lines[j]) = (lines[j], lines[i]);
                return Join(lines);
            }
            case Kind.ReplaceField:
            {
                var at = m.A % lines.Length;
                var fields = lines[at].Split(',');
                fields[m.B % fields.Length] = Values[m.C % Values.Length];
                lines[at] = string.Join(',', fields);
                return Join(lines);
            }
            case Kind.DeleteColumn:
                return Join(lines.Select(line =>
                {
                    var fields = line.Split(',');
                    return fields.Length < 2 ? line : string.Join(',', fields.Where((_, i) => i != m.A % fields.Length));
                }));
            case Kind.SwapHeaderColumns:
            {
                var header = lines[0].Split(',');
                var (i, j) = (m.A % header.Length, m.B % header.Length);
                (header[i], header[j]) = (header[j], header[i]);
                lines[0] = string.Join(',', header);
                return Join(lines);
            }
            case Kind.RenameHeaderColumn:
            {
                var header = lines[0].Split(',');
                header[m.A % header.Length] = Columns[m.B % Columns.Length];
                lines[0] = string.Join(',', header);
                return Join(lines);
            }
            case Kind.Truncate:
                return ByteMutations.Truncate(bytes, m.A);
            case Kind.InsertBytes:
                return ByteMutations.Insert(bytes, m.A, Bytes[m.B % Bytes.Length]);
            case Kind.FlipBit:
                return ByteMutations.FlipBit(bytes, m.A, m.B);
            case Kind.DeleteRange:
                return ByteMutations.DeleteRange(bytes, m.A, m.B, longest: 300);
            case Kind.DuplicateRange:
                return ByteMutations.DuplicateRange(bytes, m.A, m.B, longest: 300);
            default:
                throw new ArgumentOutOfRangeException(nameof(m));
        }
    }

    /// <summary>A failing case as CsCheck reports it: the mutations and the lines they changed.</summary>
    static string Describe(Mutation[] mutations)
    {
        var original = Encoding.UTF8.GetString(Table).Split('\n');
        var mutated = Encoding.UTF8.GetString(Apply(mutations)).Split('\n');
        var changed = mutated.Select((line, i) => (line, i)).Where(l => l.i >= original.Length || original[l.i] != l.line).Take(5)
            .Select(l => $"  line {l.i + 1}: {l.line}");
        return $"[{string.Join(", ", mutations.Select(m => m.ToString()))}] giving {mutated.Length} lines; first changed:\n{string.Join('\n', changed)}";
    }

    static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln"))) return Path.Combine(directory.FullName, relative);
        throw new FileNotFoundException("repository root not found above the test output");
    }
}
