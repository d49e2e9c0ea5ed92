using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Supernets;

/// <summary>A supernet that splits into one sub-supernet per option of one decision (few-shot NAS). Until
/// <see cref="Split"/> every path runs through sub-supernet 0, the parent; the split copies the parent's weights into
/// the others, and from then on a path runs through the sub-supernet of its option on the split decision. Whether it
/// has split is a buffer, so a checkpoint carries it.</summary>
public sealed class FewShotSupernet : PathNetwork
{
    readonly ModuleList<Nb201Network> subSupernets;
    readonly Tensor split;

    public FewShotSupernet(NetworkShape shape, long seed, FewShotSplit plan) : base("fewshot")
    {
        if (plan.SubSupernets < 2) throw new NasException($"a few-shot split needs at least 2 sub-supernets, got {plan.SubSupernets}");
        Plan = plan;
        Shape = shape;
        // Sub-supernets other than the parent are overwritten at the split; their seeds only fill them until then.
        subSupernets = new ModuleList<Nb201Network>(Enumerable.Range(0, plan.SubSupernets)
            .Select(k => Nb201Network.CreateSupernet(shape, seed + k)).ToArray());
        // Owned by the module, whatever dispose scope the supernet happens to be built in.
        split = zeros(1, dtype: ScalarType.Int64).DetachFromDisposeScope();
        register_buffer("split", split);
        RegisterComponents();
    }

    public FewShotSplit Plan { get; }

    public override NetworkShape Shape { get; }

    public override bool IsSupernet => true;

    public bool IsSplit => split.item<long>() != 0;

    /// <summary>Copies the parent into every sub-supernet; from now on each trains and scores its own children.</summary>
    public void Split()
    {
        if (IsSplit) throw new InvalidOperationException("the supernet has already split");
        using var noGrad = no_grad();
        var parent = subSupernets[0].state_dict();
        for (var k = 1; k < subSupernets.Count; k++)
            foreach (var (name, tensor) in subSupernets[k].state_dict()) tensor.copy_(parent[name]);
        split.fill_(Runtime.Scalars.One);
    }

    /// <summary>The sub-supernet that runs <paramref name="path"/> now.</summary>
    public Nb201Network For(Architecture path) => subSupernets[IsSplit ? path[Plan.Decision] : 0];

    public override Tensor Forward(Tensor input, Architecture path, List<Tensor>? cellOutputs = null) =>
        For(path).Forward(input, path, cellOutputs);

    public override IReadOnlyList<Parameter> OperationParameters(Architecture path, int decision, int option) =>
        For(path).OperationParameters(path, decision, option);

    public override long Flops(Architecture path) => For(path).Flops(path);

    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("a supernet's forward pass needs a path: call Forward(input, path)");
}
