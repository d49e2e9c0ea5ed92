using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Checkpoints;

/// <summary>One file holding weights, optimizer state and the <see cref="TrainingState"/>. Not torch's process-wide
/// generator: training draws nothing from it (samplers and data order have their own streams, in the state), and in a
/// process with several trainers its state at save time depends on the others, which made equal trainings write
/// unequal files (and restoring it would reach into the other trainers).
/// Written to a temporary file, flushed and renamed, so a crash never leaves half a checkpoint under the real name;
/// loading verifies the SHA-256 recorded at write time.</summary>
public static class CheckpointFile
{
    static readonly byte[] Magic = "NASCKPT1"u8.ToArray();

    public static CheckpointInfo Save(string path, nn.Module network, Training.MomentumSgd optimizer, TrainingState state)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var writer = new BinaryWriter(file))
            {
                writer.Write(Magic);
                WriteBlock(writer, JsonSerializer.SerializeToUtf8Bytes(state));
                WriteBlock(writer, Serialise(w => network.save(w)));
                WriteBlock(writer, Serialise(optimizer.Save));
                writer.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk or a read-only folder: the checkpoints already written stay as they were, and the half-written
            // file goes, so that it does not hold the space a retry needs.
            try { File.Delete(temporary); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            throw new NasException($"could not write checkpoint {path}: {e.Message}; the checkpoints written before it are kept: free space in {directory} (or make it writable) and start the search again");
        }
        return new CheckpointInfo(path, Sha256(path), state.Step, new FileInfo(path).Length);
    }

    /// <summary>Restores weights, optimizer and torch's generator; returns the training state.</summary>
    public static TrainingState Load(string path, string expectedSha256, nn.Module network, Training.MomentumSgd optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Read(path, expectedSha256, network, optimizer);
    }

    /// <summary>Restores the weights alone (to score child models with inherited weights): the optimizer state is
    /// skipped and torch's generator is left as it is. Returns the training state.</summary>
    public static TrainingState LoadWeights(string path, string expectedSha256, nn.Module network) =>
        Read(path, expectedSha256, network, optimizer: null);

    /// <summary>The training state alone (step, strategy states, metadata), without reading any weights.</summary>
    public static TrainingState ReadState(string path)
    {
        if (!File.Exists(path)) throw new CorruptCheckpointException(path, "the file does not exist");
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            return ReadHeader(reader, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CorruptCheckpointException(path, e.Message);
        }
    }

    /// <summary>Verifies the file's hash and restores the weights; the optimizer and torch's generator only when
    /// <paramref name="optimizer"/> is given.</summary>
    static TrainingState Read(string path, string expectedSha256, nn.Module network, Training.MomentumSgd? optimizer)
    {
        if (!File.Exists(path)) throw new CorruptCheckpointException(path, "the file does not exist");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorruptCheckpointException(path, $"it cannot be read: {e.Message}");
        }
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new CorruptCheckpointException(path, $"its SHA-256 is {actual}, not the {expectedSha256} recorded when it was written");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            var state = ReadHeader(reader, path);
            using (var weights = new BinaryReader(new MemoryStream(ReadBlock(reader)))) InPlaceLoading.LoadStateDict(network, weights);
            (network as Supernets.PathNetwork)?.WeightsLoaded();
            if (optimizer is null) return state;
            using (var optimizerState = new BinaryReader(new MemoryStream(ReadBlock(reader)))) optimizer.Load(optimizerState);
            return state;  // files written before the generator was left out have its block next: not read
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or InvalidDataException)
        {
            throw new CorruptCheckpointException(path, e.Message);
        }
    }

    public static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>SHA-256 of a network's weights alone: equal hashes mean identical training outcomes.</summary>
    public static string WeightsSha256(nn.Module network) => Convert.ToHexStringLower(SHA256.HashData(Serialise(w => network.save(w))));

    static byte[] Serialise(Action<BinaryWriter> save)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true)) save(writer);
        return memory.ToArray();
    }

    static void WriteBlock(BinaryWriter writer, byte[] block)
    {
        writer.Write((long)block.Length);
        writer.Write(block);
    }

    /// <summary>The magic and the training state: what every checkpoint starts with.</summary>
    static TrainingState ReadHeader(BinaryReader reader, string path)
    {
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new CorruptCheckpointException(path, "it is not a NasActors checkpoint (bad magic)");
        var state = JsonSerializer.Deserialize<TrainingState>(ReadBlock(reader)) ?? throw new CorruptCheckpointException(path, "its training state is empty");
        return Validated(state, path);
    }

    /// <summary>JSON that deserialises is not yet a state a resume can use: what it leaves out reads as null or 0, and a
    /// trainer would fail on it later, far from the file.</summary>
    static TrainingState Validated(TrainingState state, string path)
    {
        if (state.SamplerState is null) throw Missing(path, nameof(state.SamplerState));
        if (state.DataOrderState is null) throw Missing(path, nameof(state.DataOrderState));
        if (state.Metadata is not { } metadata) throw Missing(path, nameof(state.Metadata));
        if (state.Step < 0) throw new CorruptCheckpointException(path, $"its training state's step is {state.Step}");
        if (state.Threads < 1) throw new CorruptCheckpointException(path, $"its training state's thread count is {state.Threads}");
        if (metadata.FirstOrDefault(entry => entry.Value is null) is { Key: { } key })
            throw new CorruptCheckpointException(path, $"its metadata '{key}' has no value");
        return state;
    }

    static CorruptCheckpointException Missing(string path, string field) => new(path, $"its training state has no {field}");

    static byte[] ReadBlock(BinaryReader reader)
    {
        var length = reader.ReadInt64();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position) throw new EndOfStreamException("a block runs past the end of the file");
        return reader.ReadBytes((int)length);
    }
}
