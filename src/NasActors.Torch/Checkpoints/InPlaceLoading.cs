using static TorchSharp.torch;

namespace NasActors.Torch.Checkpoints;

/// <summary>Reads TorchSharp's tensor and state-dict format into existing tensors, wherever they live. TorchSharp's own
/// <c>Module.load</c> moves a module off the GPU and back, which replaces its Parameter objects: an optimizer holding
/// the old ones would update orphans (or disposed tensors). Loading bytes straight into a tensor needs a CPU
/// tensor. Here every tensor is read into a new CPU tensor and copied into its target.</summary>
public static class InPlaceLoading
{
    /// <summary>Loads the weights written by <c>Module.save</c> into the module's existing parameters and buffers.</summary>
    public static void LoadStateDict(nn.Module module, BinaryReader reader)
    {
        var state = module.state_dict();
        var entries = ReadLeb128(reader);
        if (entries != state.Count)
            throw new InvalidDataException($"the weights hold {entries} tensors, this network has {state.Count}");
        for (var i = 0; i < entries; i++)
        {
            var name = reader.ReadString();
            if (!state.TryGetValue(name, out var target))
                throw new InvalidDataException($"the weights hold a tensor '{name}' this network does not have");
            LoadTensor(target, reader, name);
        }
    }

    /// <summary>Loads one tensor written by <c>Tensor.Save</c> into <paramref name="target"/> (same type and shape).</summary>
    public static void LoadTensor(Tensor target, BinaryReader reader, string name)
    {
        using var staging = Tensor.Load(reader);  // on the CPU
        if (staging.dtype != target.dtype || !staging.shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"the saved {name} is {staging.dtype} of shape [{string.Join(", ", staging.shape)}], " +
                                           $"this network's is {target.dtype} of shape [{string.Join(", ", target.shape)}]");
        using var _ = no_grad();
        target.copy_(staging);
    }

    // TorchSharp writes counts, types and shapes as unsigned LEB128 (its codec is internal).
    static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("a length in the weights is longer than 64 bits");
    }
}
