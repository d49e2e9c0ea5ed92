using NasActors.Search.Spaces;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Supernets;

/// <summary>A network whose forward pass follows a path through a search space: a supernet (one or, split, several)
/// or a stand-alone child model. Training, evaluation and checkpoints see only this.</summary>
public abstract class PathNetwork(string name) : nn.Module<Tensor, Tensor>(name)
{
    public abstract NetworkShape Shape { get; }

    public abstract bool IsSupernet { get; }

    /// <summary>The forward pass along <paramref name="path"/>. When <paramref name="cellOutputs"/> is given, each
    /// cell's output is appended to it, in order (what MAGIC-A aligns).</summary>
    public abstract Tensor Forward(Tensor input, Architecture path, List<Tensor>? cellOutputs = null);

    /// <summary>The weights of <paramref name="option"/> on <paramref name="decision"/>, over every cell of the
    /// network that trains <paramref name="path"/> (empty for operations without weights).</summary>
    public abstract IReadOnlyList<Parameter> OperationParameters(Architecture path, int decision, int option);

    /// <summary>Multiply-accumulates of one image's forward pass along <paramref name="path"/>.</summary>
    public abstract long Flops(Architecture path);

    /// <summary>Called after a checkpoint's weights and buffers were copied into this network, for state kept beside
    /// them.</summary>
    public virtual void WeightsLoaded() { }

    /// <summary>Number of trainable values.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
