using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NasActors.Torch.Supernets;

/// <summary>NAS-Bench-201's macro network. As a supernet every cell holds all candidate operations and a forward pass
/// takes a path (single-path one-shot); as a stand-alone child model it holds one architecture's operations.</summary>
public sealed class Nb201Network : PathNetwork
{
    readonly Sequential stem;
    readonly ModuleList<Module> stages;
    readonly Sequential head;
    readonly Linear classifier;

    Nb201Network(NetworkShape shape, Operations.Norm norm, Architecture? architecture) : base(architecture is null ? "supernet" : "child")
    {
        shape.Validate();
        Shape = shape;
        Architecture = architecture;
        var channels = shape.Channels;
        stem = Sequential(
            ("conv", Conv2d(shape.InputChannels, channels, 3, padding: 1, bias: false)),
            ("bn", BatchNorm2d(channels, affine: norm.Affine, track_running_stats: norm.TrackRunningStats)));
        stages = new ModuleList<Module>();
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0)
            {
                stages.Add(new ResidualReduction($"reduction{stage}", channels, channels * 2, norm));
                channels *= 2;
            }
            for (var cell = 0; cell < shape.CellsPerStage; cell++)
                stages.Add(new Nb201Cell($"cell{stage}_{cell}", channels, norm, architecture));
        }
        head = Sequential(
            ("bn", BatchNorm2d(channels, affine: norm.Affine, track_running_stats: norm.TrackRunningStats)),
            ("relu", ReLU()),
            ("pool", AdaptiveAvgPool2d(1)),
            ("flatten", Flatten()));
        classifier = Linear(channels, shape.ClassCount);
        RegisterComponents();
    }

    /// <summary>A supernet whose weights are drawn from <paramref name="seed"/>.</summary>
    public static Nb201Network CreateSupernet(NetworkShape shape, long seed) =>
        Seeded(seed, () => new Nb201Network(shape, Operations.Norm.Supernet, null));

    /// <summary>A stand-alone child model of <paramref name="architecture"/>, weights drawn from <paramref name="seed"/>.</summary>
    public static Nb201Network CreateChild(NetworkShape shape, Architecture architecture, long seed) =>
        Seeded(seed, () => new Nb201Network(shape, Operations.Norm.Standalone, architecture));

    static Nb201Network Seeded(long seed, Func<Nb201Network> build)
    {
        // Initialisation draws from torch's process-wide generator: two trainers building at once must not interleave.
        lock (TorchRuntime.ConstructionLock)
        {
            manual_seed(seed);
            return build();
        }
    }

    public override NetworkShape Shape { get; }

    /// <summary>The child model's architecture; null for a supernet.</summary>
    public Architecture? Architecture { get; }

    public override bool IsSupernet => Architecture is null;

    public override Tensor forward(Tensor input) =>
        Forward(input, Architecture ?? throw new InvalidOperationException("a supernet's forward pass needs a path: call Forward(input, path)"));

    /// <summary>The forward pass along <paramref name="path"/> (for a child model, its own architecture).</summary>
    public override Tensor Forward(Tensor input, Architecture path, List<Tensor>? cellOutputs = null)
    {
        var liveEdges = Nb201Space.LiveEdges(path);
        var x = stem.call(input);
        foreach (var block in stages)
        {
            if (block is Nb201Cell cell)
            {
                x = cell.Forward(x, path, liveEdges);
                cellOutputs?.Add(x);
            }
            else x = ((ResidualReduction)block).call(x);
        }
        return classifier.call(head.call(x));
    }

    /// <summary>Inference along <paramref name="path"/> up to the last cell, handing each cell's output to
    /// <paramref name="observe"/> while it is alive: each block runs in a dispose scope of its own, so that only one
    /// block's intermediate tensors are held at a time (a whole forward pass in one scope keeps every one of them).</summary>
    public void ObserveCells(Tensor input, Architecture path, Action<Tensor> observe)
    {
        ArgumentNullException.ThrowIfNull(observe);
        using var noGrad = no_grad();
        var liveEdges = Nb201Space.LiveEdges(path);
        var x = stem.call(input);
        foreach (var block in stages)
        {
            using var scope = NewDisposeScope();
            if (block is Nb201Cell cell)
            {
                x = cell.Forward(x, path, liveEdges);
                observe(x);
            }
            else x = ((ResidualReduction)block).call(x);
            x.MoveToOuterDisposeScope();
        }
    }

    public override IReadOnlyList<Parameter> OperationParameters(Architecture path, int decision, int option) =>
        stages.OfType<Nb201Cell>().SelectMany(cell => cell.OperationParameters(decision, option)).ToArray();

    /// <summary>Multiply-accumulates of one image's forward pass along <paramref name="path"/> (convolutions and classifier).</summary>
    public override long Flops(Architecture path)
    {
        var size = Shape.ImageSize;
        long flops = (long)Shape.InputChannels * Shape.Channels * 9 * size * size;
        var channels = Shape.Channels;
        foreach (var block in stages)
        {
            if (block is Nb201Cell cell) flops += cell.Flops(path, size, size);
            else
            {
                var reduction = (ResidualReduction)block;
                flops += reduction.Flops(size, size);
                size = (size - 1) / 2 + 1;
                channels = reduction.Output;
            }
        }
        return flops + (long)channels * Shape.ClassCount;
    }
}
