using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using NasActors.Actors.Runs;
using NasActors.Search.Spaces;
using Xunit.Abstractions;

namespace NasActors.Actors.Tests.Fuzzing;

/// <summary>Mutations of the shipped demo spec, read from bytes the way <see cref="SearchSpec.Load"/> reads a file: each
/// is accepted and then validates completely (a spec that passes can run), or is refused with a
/// <see cref="NasException"/>. Never any other exception, never a hang.</summary>
public sealed partial class SearchSpecFuzzTests(ITestOutputHelper output)
{
    /// <summary>Mutations per run: 1,500, or more when NAS_FUZZ_MUTATIONS asks for a deeper run by hand.</summary>
    static readonly int Mutations = Math.Max(1_500, int.TryParse(Environment.GetEnvironmentVariable("NAS_FUZZ_MUTATIONS"), out var n) ? n : 0);

    static readonly string Demo = File.ReadAllText(RepositoryFile("hocon/searches/demo.conf"));

    /// <summary>What a value is replaced with: other types, lists and blocks, out-of-range, huge and negative numbers,
    /// substitutions, and the values the issue found accepted (image-size = 100000, validation-size = 60000).</summary>
    static readonly string[] Values =
    [
        "[ nosuch ]", "[]", "[ 1, 2 ]", "{ a = 1 }", "{}", "5", "0", "-1", "-2147483648", "2147483647", "2147483648",
        "99999999999999999999", "1e308", "-1e308", "1e-320", "NaN", "Infinity", "-0", "0.5", "0x10", "1,000", "\"\"", "null",
        "true", "off", "maybe", "\"${x}\"", "${x}", "${?x}", "${search.seed}", "100000", "60000", "59999", "4096", "4097",
        "3", "1024", "1025", "64", "\"a/b\"", "..", "\"\\u0000\"", "\"\"\" long \"\"\"", "x y", "\uFFFD", "é",
        new string('9', 400), "include \"other.conf\"", "= 1", "+= 2",
    ];

    /// <summary>What a block is replaced with: plain values and lists where a block belongs.</summary>
    static readonly string[] BlockReplacements = ["= 5", "= [ nosuch ]", "= []", "= \"x\"", "= null", "= true", "= { }", "= 5 { a = 1 }"];

    static readonly string[] Punctuation = ["{", "}", "[", "]", "\"", "=", ",", "#", ".", ":", "+=", "${", "\"\"\"", "\n", "\\", "//"];

    /// <summary>Bytes that are not UTF-8 (a lone continuation byte, an overlong NUL, a surrogate, 0xFF) and a NUL.</summary>
    static readonly byte[][] Bytes = [[0xFF], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x00], [0xEF, 0xBB, 0xBF]];

    static readonly (int Start, int Length)[] ValueSpans = SettingValue().Matches(Demo).Select(m => (m.Groups[1].Index, m.Groups[1].Length)).ToArray();

    static readonly (int Start, int Length)[] BlockSpans = BlockStart().Matches(Demo).Select(m => (m.Groups[1].Index, m.Groups[1].Length)).ToArray();

    static readonly string[] Keys = SettingValue().Matches(Demo).Select(m => m.Groups["key"].Value).Concat(BlockStart().Matches(Demo).Select(m => m.Groups["key"].Value))
        .Distinct().ToArray();

    [GeneratedRegex(@"(?<key>[A-Za-z][\w-]*)\s*=\s*([^,}\n#]*[^,}\n# ])")]
    private static partial Regex SettingValue();

    [GeneratedRegex(@"(?<key>[A-Za-z][\w-]*)\s*(\{)")]
    private static partial Regex BlockStart();

    enum Kind { DeleteLine, DuplicateLine, SwapLines, ReplaceValue, ReplaceBlock, RenameKey, Truncate, InsertBytes, FlipBit, DeleteRange, DuplicateRange, InsertPunctuation }

    /// <summary>One mutation: its kind and the numbers that place it (reduced modulo whatever they index).</summary>
    sealed record Mutation(Kind Kind, int A, int B)
    {
        public override string ToString() => $"{Kind}({A}, {B})";
    }

    static readonly Gen<Mutation[]> Generator =
        Gen.Select(Gen.Enum<Kind>(), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], (kind, a, b) => new Mutation(kind, a, b)).Array[1, 4];

    [Fact]
    public void Every_mutation_of_the_demo_spec_should_be_accepted_and_runnable_or_refused_with_a_NasException()
    {
        Assert.True(ValueSpans.Length > 20 && BlockSpans.Length > 8, "the demo's settings and blocks were found");
        int tried = 0, accepted = 0;
        var refusals = new List<string>();
        var slowest = TimeSpan.Zero;
        var timer = Stopwatch.StartNew();
        Generator.Sample(mutations =>
        {
            var bytes = Apply(mutations);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var spec = SearchSpec.ParseUtf8(bytes, "fuzz.conf");
                AssertRunnable(spec);
                Interlocked.Increment(ref accepted);
            }
            catch (NasException e)
            {
                lock (refusals) refusals.Add(e.Message);
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            lock (refusals) slowest = elapsed > slowest ? elapsed : slowest;
            Interlocked.Increment(ref tried);
        }, iter: Mutations, print: Describe);
        output.WriteLine($"search spec fuzzing: {tried} mutations of hocon/searches/demo.conf tried in {timer.Elapsed.TotalSeconds:F1} s " +
                         $"(slowest {slowest.TotalMilliseconds:F0} ms): {accepted} accepted and runnable, {tried - accepted} refused with a NasException, " +
                         "0 other exceptions");
        foreach (var (reason, count) in CommonRefusals(refusals)) output.WriteLine($"{count,6} refused: {reason}");
        Assert.True(tried >= 1_000, $"only {tried} mutations tried");
        // A parser that never finishes is refused after a while rather than waited for: a bug all the same.
        Assert.DoesNotContain(refusals, reason => reason.Contains("the parser did not finish"));
        // The corpus must exercise both outcomes, or it tests one of them only.
        Assert.InRange(accepted, 1, tried - 1);
    }

    /// <summary>What "validates completely" means: every part a trainer, an evaluator or the run builds from the spec
    /// builds without error, and the data set, its split and one training step fit the limits.</summary>
    static void AssertRunnable(SearchSpec spec)
    {
        var space = SearchSpaces.Get(spec.Space);
        var shape = DataSpec.ShapeOf(spec.Data.Dataset);
        Assert.InRange(spec.Data.ImageSize, 4, int.MaxValue);
        Assert.InRange(spec.Data.TensorBytes, 1, DataSpec.MaxTensorBytes);
        Assert.InRange(spec.Data.ValidationSize, 1, shape.TrainImages - spec.Training.BatchSize);
        Assert.InRange(spec.Data.EvaluationImages, 1, spec.Data.ValidationSize);
        Assert.InRange(SearchSpec.StepMemory(spec.Training.BatchSize, spec.Supernet.Channels, spec.Supernet.CellsPerStage, spec.Data.ImageSize),
                       1, SearchSpec.MaxStepBytes);
        Assert.DoesNotContain('/', spec.Name);
        Assert.NotEmpty(spec.Strategies);
        spec.Evolution.Validate();
        var stepsPerEpoch = (shape.TrainImages - spec.Data.ValidationSize) / spec.Training.BatchSize;
        foreach (var strategy in spec.Strategies)
        {
            Assert.DoesNotContain('/', strategy.Id);
            if (strategy.IsEstimator)
            {
                strategy.EstimatorSettings($"search.strategies.{strategy.Id}");
                continue;
            }
            strategy.CreateSampler(space, spec.Seed ^ strategy.Seed, stepsPerEpoch, $"search.strategies.{strategy.Id}");
            strategy.FineTuning($"search.strategies.{strategy.Id}");
            strategy.FewShotPlan(space);
        }
        // The journaled text reads the same on resume.
        var again = SearchSpec.Parse(spec.Text, "journal");
        Assert.Equal((spec.Name, spec.Data, spec.Supernet, spec.Training, spec.Seed, spec.GroundTruth), (again.Name, again.Data, again.Supernet, again.Training, again.Seed, again.GroundTruth));
        Assert.Equal(spec.Strategies.Select(s => (s.Id, s.Sampler, s.Seed, s.Steps)), again.Strategies.Select(s => (s.Id, s.Sampler, s.Seed, s.Steps)));
    }

    static byte[] Apply(Mutation[] mutations)
    {
        var bytes = Encoding.UTF8.GetBytes(Demo);
        foreach (var mutation in mutations) bytes = Apply(mutation, bytes);
        return bytes;
    }

    /// <summary>Text mutations place themselves in the demo's own lines, settings and blocks while the text is still the
    /// demo's; after a byte mutation has moved things they act wherever their numbers point.</summary>
    static byte[] Apply(Mutation m, byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.Split('\n');
        switch (m.Kind)
        {
            case Kind.DeleteLine:
                return Encode(string.Join('\n', lines.Where((_, i) => i != m.A % lines.Length)));
            case Kind.DuplicateLine:
            {
                var at = m.A % lines.Length;
                return Encode(string.Join('\n', lines.Take(at + 1).Append(lines[at]).Concat(lines.Skip(at + 1))));
            }
            case Kind.SwapLines:
            {
                var (i, j) = (m.A % lines.Length, m.B % lines.Length);
                (lines[i], lines[j]) = (lines[j], lines[i]);
                return Encode(string.Join('\n', lines));
            }
            case Kind.ReplaceValue:
            {
                var spans = SettingValue().Matches(text).Select(v => (v.Groups[1].Index, v.Groups[1].Length)).ToArray();
                if (spans.Length == 0) return bytes;
                var (start, length) = spans[m.A % spans.Length];
                return Encode(text[..start] + Values[m.B % Values.Length] + text[(start + length)..]);
            }
            case Kind.ReplaceBlock:
            {
                var blocks = BlockStart().Matches(text).Select(b => b.Groups[1].Index).ToArray();
                if (blocks.Length == 0) return bytes;
                var start = blocks[m.A % blocks.Length];
                var end = MatchingBrace(text, start);
                return Encode(text[..start] + BlockReplacements[m.B % BlockReplacements.Length] + (end < 0 ? "" : text[(end + 1)..]));
            }
            case Kind.RenameKey:
            {
                var keys = SettingValue().Matches(text).Select(k => k.Groups["key"]).ToArray();
                if (keys.Length == 0) return bytes;
                var key = keys[m.A % keys.Length];
                return Encode(text[..key.Index] + Keys[m.B % Keys.Length] + text[(key.Index + key.Length)..]);
            }
            case Kind.Truncate:
                return ByteMutations.Truncate(bytes, m.A);
            case Kind.InsertBytes:
                return ByteMutations.Insert(bytes, m.A, Bytes[m.B % Bytes.Length]);
            case Kind.FlipBit:
                return ByteMutations.FlipBit(bytes, m.A, m.B);
            case Kind.DeleteRange:
                return ByteMutations.DeleteRange(bytes, m.A, m.B, longest: 200);
            case Kind.DuplicateRange:
                return ByteMutations.DuplicateRange(bytes, m.A, m.B, longest: 400);
            case Kind.InsertPunctuation:
            {
                var at = m.A % (bytes.Length + 1);
                return [.. bytes[..at], .. Encoding.UTF8.GetBytes(Punctuation[m.B % Punctuation.Length]), .. bytes[at..]];
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(m));
        }
    }

    /// <summary>The commonest refusals, numbers and lines left out, so that the output shows what the corpus reached.</summary>
    static IEnumerable<(string Reason, int Count)> CommonRefusals(IEnumerable<string> messages) =>
        messages.Select(m => Number().Replace(m.Replace("fuzz.conf", ""), "N")).Select(m => m.Length > 100 ? m[..100] + "..." : m)
            .GroupBy(m => m).OrderByDescending(g => g.Count()).Take(8).Select(g => (g.Key, g.Count()));

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();

    static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    static int MatchingBrace(string text, int open)
    {
        for (int i = open, depth = 0; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>A failing case as CsCheck reports it: the mutations and the text they made.</summary>
    static string Describe(Mutation[] mutations)
    {
        var bytes = Apply(mutations);
        var text = Encoding.UTF8.GetString(bytes);
        return $"[{string.Join(", ", mutations.Select(m => m.ToString()))}] giving {bytes.Length} bytes:\n{text}";
    }

    static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln"))) return Path.Combine(directory.FullName, relative);
        throw new FileNotFoundException("repository root not found above the test output");
    }
}
