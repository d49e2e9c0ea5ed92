using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Fuzzing;

/// <summary>Mutations of a small checkpoint's header (magic, block lengths, the training state's JSON), read the ways the
/// project reads checkpoints: a trainer resuming (<see cref="SupernetTraining.RestoreCheckpoint"/>), an evaluator loading
/// weights (<see cref="CheckpointFile.LoadWeights"/>) and a report reading the state alone (<see cref="CheckpointFile.ReadState"/>).
/// Under the hash recorded at write time every change is refused by that hash; under the changed file's own hash (a
/// reader that records none, or a writer that went wrong) each is read whole and valid or refused with a
/// <see cref="NasException"/> (a <see cref="CorruptCheckpointException"/> for the file itself). Never any other exception.</summary>
[Collection(TorchThreads.Collection)]
public sealed partial class CheckpointHeaderFuzzTests : IDisposable
{
    /// <summary>Mutations per run: 1,500, or more when NAS_FUZZ_MUTATIONS asks for a deeper run by hand.</summary>
    static readonly int Mutations = Math.Max(1_500, int.TryParse(Environment.GetEnvironmentVariable("NAS_FUZZ_MUTATIONS"), out var n) ? n : 0);

    /// <summary>What a JSON value is replaced with: other types, null, out-of-range and huge numbers, deep nesting (past
    /// the serializer's depth limit), malformed random-stream states.</summary>
    static readonly string[] JsonValues =
    [
        "null", "\"x\"", "\"\"", "-1", "0", "1", "2", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "1.5",
        "[]", "{}", "{\"a\":null}", "{\"a\":1}", "{\"\":\"\"}", "[1,2]", "true", "\"\\ud800\"", "\"\\u0000\"", new string('[', 100) + new string(']', 100),
        "\"0-0-0-0\"", "\"1-2-3-4\"", "\"x/1/2\"", "\"1-2-3-4/-1/0\"", "\"1-2-3-4/0/99999999\"", "\"ffffffffffffffff-1-1-1/9223372036854775807/2147483647\"",
        "\"" + new string('a', 10_000) + "\"", "\"1-2-3-4 5\"", "\"cells=0\"", "\"nor_conv_3x3:-1\"",
    ];

    static readonly string[] PropertyNames = ["Step", "step", "STEP", "Threads", "Metadata", "SamplerState", "x", ""];

    static readonly long[] Lengths = [0, -1, 1, 7, long.MaxValue, long.MinValue, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue];

    static readonly byte[][] Bytes = [[0xFF], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x00], [(byte)'"'], [(byte)'{'], [(byte)'}'], [(byte)'\\']];

    enum Kind { FlipBit, SetByte, Truncate, InsertBytes, DeleteRange, SetStateLength, SetWeightsLength, ReplaceJsonValue, DeleteJsonProperty, DuplicateJsonProperty, RenameJsonProperty }

    /// <summary>One mutation: its kind, the numbers that place it, and whether the state block's length is written anew to
    /// fit the changed JSON (so that the reader gets as far as parsing it).</summary>
    sealed record Mutation(Kind Kind, int A, int B, bool FitLength)
    {
        public override string ToString() => $"{Kind}({A}, {B}, fit length: {FitLength})";
    }

    static readonly Gen<Mutation[]> Generator =
        Gen.Select(Gen.Enum<Kind>(), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Bool, (kind, a, b, fit) => new Mutation(kind, a, b, fit)).Array[1, 3];

    [GeneratedRegex("""
        "(?<key>[A-Za-z_-]+)":(?<value>"(?:[^"\\]|\\.)*"|-?\d+|null|true|false|\{[^{}]*\})
        """)]
    private static partial Regex JsonProperty();

    readonly ITestOutputHelper _output;
    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-ckpt-fuzz-").FullName;
    readonly ImageDataset _data = SyntheticData.Create(64);
    readonly SupernetTraining _training;
    readonly Nb201Network _evaluatorNetwork = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 5);
    readonly byte[] _original;
    readonly string _originalSha256;

    public CheckpointHeaderFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.SetThreads(1);
        _training = NewTraining();
        _training.TrainStep();
        var info = _training.SaveCheckpoint(Path.Combine(_directory, "original.ckpt"), new Dictionary<string, string> { ["strategy"] = "uniform", ["search"] = "fuzz" });
        _original = File.ReadAllBytes(info.Path);
        _originalSha256 = info.Sha256;
    }

    SupernetTraining NewTraining() =>
        new(Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 3), new UniformSampler(Nb201Space.Instance, 3), _data,
            Enumerable.Range(0, _data.Count).ToArray(), SgdSettings.Supernet with { BatchSize = 16 }, totalSteps: 4, dataSeed: 7, CPU);

    /// <summary>Where the state's JSON starts (after the magic and its length) and how long it is.</summary>
    static (int Start, int Length) StateBlock(byte[] bytes) => (16, (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));

    [Fact]
    public void Every_mutation_of_a_checkpoint_header_should_be_refused_by_its_hash_or_read_whole_or_refused_with_a_NasException()
    {
        var (_, stateLength) = StateBlock(_original);
        Assert.Contains("\"SamplerState\"", Encoding.UTF8.GetString(_original, 16, stateLength));
        using var resumed = NewTraining();
        using var resumedSupernet = resumed.Supernet;
        int tried = 0, read = 0, unchanged = 0;
        var refusals = new List<string>();
        var timer = System.Diagnostics.Stopwatch.StartNew();
        Generator.Sample(mutations =>
        {
            var bytes = Apply(mutations, _original);
            var path = Path.Combine(_directory, "mutated.ckpt");
            File.WriteAllBytes(path, bytes);
            if (bytes.AsSpan().SequenceEqual(_original))
            {
                unchanged++;
                resumed.RestoreCheckpoint(path, _originalSha256);
            }
            else
            {
                // What a trainer and an evaluator see: the hash recorded when the checkpoint was committed.
                Assert.Contains("SHA-256", Assert.Throws<CorruptCheckpointException>(() => resumed.RestoreCheckpoint(path, _originalSha256)).Message);
                Assert.Throws<CorruptCheckpointException>(() => CheckpointFile.LoadWeights(path, _originalSha256, _evaluatorNetwork));
            }
            var ownSha256 = CheckpointFile.Sha256(path);
            var readWhole = ReadWhole(refusals, () => AssertValid(resumed.RestoreCheckpoint(path, ownSha256)))
                            & ReadWhole(refusals, () => AssertValid(CheckpointFile.LoadWeights(path, ownSha256, _evaluatorNetwork)))
                            & ReadWhole(refusals, () => AssertValid(CheckpointFile.ReadState(path)));
            if (readWhole) read++;
            tried++;
        }, iter: Mutations, threads: 1, print: m => Describe(m, _original));
        _output.WriteLine($"checkpoint header fuzzing: {tried} mutations of a {_original.Length:N0}-byte checkpoint's header tried in {timer.Elapsed.TotalSeconds:F1} s, " +
                          $"each read 3 ways under its own hash ({unchanged} left the file unchanged); {read} read whole by all three, the rest refused " +
                          "with a NasException; under the recorded hash every changed file refused by it; 0 other exceptions");
        foreach (var group in refusals.Select(m => Number().Replace(m.Replace(_directory, "DIR"), "N")).Select(m => m.Length > 110 ? m[..110] + "..." : m)
                     .GroupBy(m => m).OrderByDescending(g => g.Count()).Take(8))
            _output.WriteLine($"{group.Count(),6} refused: {group.Key}");
        Assert.True(tried >= 1_000, $"only {tried} mutations tried");
        Assert.InRange(read, 1, tried - 1);
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();

    /// <summary>Runs a read; true when it read the file whole, false when it refused it with a NasException. Anything else
    /// escapes and fails the property.</summary>
    static bool ReadWhole(List<string> refusals, Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (NasException e)
        {
            refusals.Add(e.Message);
            return false;
        }
    }

    /// <summary>A state read is one a resume can use: every field present, counts in range.</summary>
    static void AssertValid(TrainingState state)
    {
        Assert.True(state.Step >= 0 && state.Threads >= 1, state.ToString());
        Assert.NotNull(state.SamplerState);
        Assert.NotNull(state.DataOrderState);
        Assert.NotNull(state.Metadata);
        Assert.All(state.Metadata, entry => Assert.NotNull(entry.Value));
    }

    static byte[] Apply(Mutation[] mutations, byte[] original)
    {
        var bytes = original;
        foreach (var mutation in mutations) bytes = Apply(mutation, bytes);
        return bytes;
    }

    /// <summary>Mutations stay within the header: the magic, the state block's length and JSON, and the weights block's
    /// length (a length that no longer fits moves where the weights are read from).</summary>
    static byte[] Apply(Mutation m, byte[] bytes)
    {
        if (bytes.Length == 0) return bytes;
        var header = HeaderLength(bytes);
        switch (m.Kind)
        {
            case Kind.FlipBit:
            {
                var copy = bytes.ToArray();
                copy[m.A % header] ^= (byte)(1 << (m.B % 8));
                return copy;
            }
            case Kind.SetByte:
            {
                var copy = bytes.ToArray();
                copy[m.A % header] = (byte)m.B;
                return copy;
            }
            case Kind.Truncate:
                return bytes[..(m.A % Math.Min(bytes.Length + 1, header + 256))];
            case Kind.InsertBytes:
            {
                var at = m.A % header;
                return [.. bytes[..at], .. Bytes[m.B % Bytes.Length], .. bytes[at..]];
            }
            case Kind.DeleteRange:
            {
                var at = m.A % header;
                return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + 1 + m.B % 32)..]];
            }
            case Kind.SetStateLength:
                return WithLength(bytes, 8, LengthFor(m.B, bytes, StateLengthOf(bytes)));
            case Kind.SetWeightsLength:
                return StateLengthOf(bytes) is { } length && 16 + length + 8 <= bytes.Length
                    ? WithLength(bytes, 16 + (int)length, LengthFor(m.B, bytes, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16 + (int)length))))
                    : bytes;
            default:
                return EditJson(m, bytes);
        }
    }

    /// <summary>A JSON-aware change of the state block, its length written anew when the mutation says so.</summary>
    static byte[] EditJson(Mutation m, byte[] bytes)
    {
        if (StateLengthOf(bytes) is not { } length || 16 + length > bytes.Length) return bytes;
        var json = Encoding.UTF8.GetString(bytes, 16, (int)length);
        var properties = JsonProperty().Matches(json);
        if (properties.Count == 0) return bytes;
        var property = properties[m.A % properties.Count];
        var edited = m.Kind switch
        {
            Kind.ReplaceJsonValue => json[..property.Groups["value"].Index] + JsonValues[m.B % JsonValues.Length] + json[(property.Groups["value"].Index + property.Groups["value"].Length)..],
            Kind.DeleteJsonProperty => json[..property.Index] + json[(property.Index + property.Length)..].TrimStart(','),
            Kind.DuplicateJsonProperty => json[..property.Index] + property.Value + "," + json[property.Index..],
            Kind.RenameJsonProperty => json[..property.Groups["key"].Index] + PropertyNames[m.B % PropertyNames.Length] + json[(property.Groups["key"].Index + property.Groups["key"].Length)..],
            _ => throw new ArgumentOutOfRangeException(nameof(m)),
        };
        var editedBytes = Encoding.UTF8.GetBytes(edited);
        byte[] result = [.. bytes[..16], .. editedBytes, .. bytes[(16 + (int)length)..]];
        return m.FitLength ? WithLength(result, 8, editedBytes.Length) : result;
    }

    static long? StateLengthOf(byte[] bytes) =>
        bytes.Length >= 16 && BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)) is >= 0 and var length && length <= bytes.Length ? length : null;

    /// <summary>The magic, the state's length and JSON, and the weights' length, as far as the file still holds them.</summary>
    static int HeaderLength(byte[] bytes) =>
        Math.Max(1, Math.Min(bytes.Length, StateLengthOf(bytes) is { } length ? 16 + (int)length + 8 : 16));

    static long LengthFor(int choice, byte[] bytes, long? current) =>
        (choice % (Lengths.Length + 4)) switch
        {
            var i when i < Lengths.Length => Lengths[i],
            var i when i == Lengths.Length => bytes.Length,
            var i when i == Lengths.Length + 1 => bytes.Length - 16,
            var i when i == Lengths.Length + 2 => (current ?? 0) + 1,
            _ => (current ?? 0) - 1,
        };

    static byte[] WithLength(byte[] bytes, int at, long length)
    {
        if (at + 8 > bytes.Length) return bytes;
        var copy = bytes.ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(at), length);
        return copy;
    }

    /// <summary>A failing case as CsCheck reports it: the mutations and the header they made.</summary>
    static string Describe(Mutation[] mutations, byte[] original)
    {
        var bytes = Apply(mutations, original);
        var shown = bytes[..Math.Min(bytes.Length, HeaderLength(bytes) + 16)];
        var text = string.Concat(Encoding.UTF8.GetString(shown[Math.Min(16, shown.Length)..]).Select(c => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString()));
        return $"[{string.Join(", ", mutations.Select(m => m.ToString()))}] giving {bytes.Length} bytes; header:\n" +
               $"{Convert.ToHexString(shown[..Math.Min(16, shown.Length)])} {text}";
    }

    public void Dispose()
    {
        _training.Dispose();
        _training.Supernet.Dispose();
        _evaluatorNetwork.Dispose();
        _data.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
