using NasActors.Search.Spaces;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NasActors.Torch.Supernets;

/// <summary>A NAS-Bench-201 cell. In a supernet it holds every candidate operation on every edge and runs the ones a
/// path names; in a stand-alone child model it holds only the operations of its architecture.</summary>
public sealed class Nb201Cell : Module
{
    readonly Module<Tensor, Tensor>?[,] _operations;

    /// <param name="only">When given, build just this architecture's live operations (a child model).</param>
    public Nb201Cell(string name, int channels, Operations.Norm norm, Architecture? only = null) : base(name)
    {
        Channels = channels;
        _operations = new Module<Tensor, Tensor>?[Nb201Space.Edges.Count, Nb201Space.Operations.Count];
        var live = only is null ? null : Nb201Space.LiveEdges(only);
        for (var edge = 0; edge < Nb201Space.Edges.Count; edge++)
        {
            var (to, from) = Nb201Space.Edges[edge];
            for (var op = 0; op < Nb201Space.Operations.Count; op++)
            {
                if (only is not null && (!live![edge] || only[edge] != op)) continue;
                var module = Operations.Create(Nb201Space.Operations[op], channels, norm);
                if (module is null) continue;
                _operations[edge, op] = module;
                register_module($"edge{to}_{from}_{Nb201Space.Operations[op]}", module);
            }
        }
    }

    public int Channels { get; }

    /// <summary>The weights of one operation on one edge (none for parameter-free operations or ones this cell lacks).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> OperationParameters(int edge, int option) =>
        _operations[edge, option]?.parameters() ?? [];

    /// <summary>Runs the cell on <paramref name="path"/>, skipping edges that cannot reach the output.</summary>
    public Tensor Forward(Tensor input, Architecture path, bool[] liveEdges)
    {
        var nodes = new Tensor?[Nb201Space.NodeCount];
        nodes[0] = input;
        for (var to = 1; to < Nb201Space.NodeCount; to++)
        {
            Tensor? sum = null;
            for (var from = 0; from < to; from++)
            {
                var edge = Nb201Space.EdgeIndex(to, from);
                if (!liveEdges[edge]) continue;
                var operation = _operations[edge, path[edge]]
                    ?? throw new InvalidOperationException($"cell {GetName()} has no {Nb201Space.Operations[path[edge]]} on edge {to}<-{from}");
                var output = operation.call(nodes[from]!);
                sum = sum is null ? output : sum.add(output, Runtime.Scalars.One);
            }
            nodes[to] = sum;
        }
        // A path whose output node receives only zeros still yields a map of the right shape.
        return nodes[^1] ?? zeros_like(input);
    }

    /// <summary>Multiply-accumulates of this cell on an H x W map for <paramref name="path"/>.</summary>
    public long Flops(Architecture path, int height, int width)
    {
        var live = Nb201Space.LiveEdges(path);
        long flops = 0;
        for (var edge = 0; edge < live.Length; edge++)
            if (live[edge]) flops += Operations.Flops(Nb201Space.Operations[path[edge]], Channels, height, width);
        return flops;
    }
}
