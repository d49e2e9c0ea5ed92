using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Supernets;

/// <summary>A supernet that splits on one decision into sub-supernets (few-shot NAS: one per option; GM-NAS: groups
/// of options). Until <see cref="Split"/> every path runs through sub-supernet 0, the parent; the split copies the
/// parent's weights into the others, and from then on a path runs through the sub-supernet holding its option on
/// the split decision. Whether it has split, and the grouping, are buffers, so a checkpoint carries them.</summary>
public sealed class FewShotSupernet : PathNetwork
{
    readonly ModuleList<Nb201Network> subSupernets;
    // Fields named as their buffers: TorchSharp's Module.to replaces a buffer moved to another device and updates only
    // the field of that name, so any other field would go on pointing at the old tensor.
    readonly Tensor split;
    readonly Tensor? groups;  // each option's sub-supernet; only when options are grouped (one per option needs none)
    // Mirrors of the buffers, read on every forward pass without waiting for a GPU.
    bool isSplit;
    int[] groupOf;

    public FewShotSupernet(NetworkShape shape, long seed, FewShotSplit plan) : base("fewshot")
    {
        if (plan.Groups < 2) throw new NasException($"a few-shot split needs at least 2 sub-supernets, got {plan.Groups}");
        Plan = plan;
        Shape = shape;
        Seed = seed;
        // Sub-supernets other than the parent are overwritten at the split; their seeds only fill them until then.
        subSupernets = new ModuleList<Nb201Network>(Enumerable.Range(0, plan.Groups)
            .Select(k => Nb201Network.CreateSupernet(shape, seed + k)).ToArray());
        groupOf = Enumerable.Range(0, plan.Options).ToArray();
        // Owned by the module, whatever dispose scope the supernet happens to be built in.
        split = zeros(1, dtype: ScalarType.Int64).DetachFromDisposeScope();
        register_buffer("split", split);
        if (plan.GroupsOptions)
        {
            groups = zeros(plan.Options, dtype: ScalarType.Int64).DetachFromDisposeScope();
            register_buffer("groups", groups);
        }
        RegisterComponents();
    }

    public FewShotSplit Plan { get; }

    public override NetworkShape Shape { get; }

    /// <summary>The seed the parent was initialised from (gradient matching draws its paths from it).</summary>
    public long Seed { get; }

    public override bool IsSupernet => true;

    public bool IsSplit => isSplit;

    /// <summary>The parent: the sub-supernet every path runs through before the split.</summary>
    public Nb201Network Parent => subSupernets[0];

    /// <summary>Each option's sub-supernet (meaningful once split).</summary>
    public IReadOnlyList<int> GroupOf => groupOf;

    /// <summary>Copies the parent into every sub-supernet and routes each option to its group (one per option when
    /// <paramref name="optionGroups"/> is null); from now on each sub-supernet trains and scores its own children.</summary>
    public void Split(IReadOnlyList<int>? optionGroups = null)
    {
        if (IsSplit) throw new InvalidOperationException("the supernet has already split");
        var groupOfOption = optionGroups?.ToArray() ?? Enumerable.Range(0, Plan.Options).ToArray();
        if (groupOfOption.Length != Plan.Options || groupOfOption.Distinct().Count() != Plan.Groups || groupOfOption.Any(g => g < 0 || g >= Plan.Groups))
            throw new ArgumentException($"expected a group in 0..{Plan.Groups - 1} for each of {Plan.Options} options, every group used, got [{string.Join(", ", groupOfOption)}]", nameof(optionGroups));
        if (groups is null && groupOfOption.Where((g, option) => g != option).Any())
            throw new ArgumentException("one sub-supernet per option routes each option to its own", nameof(optionGroups));
        using var noGrad = no_grad();
        var parent = Parent.state_dict();
        for (var k = 1; k < subSupernets.Count; k++)
            foreach (var (name, weights) in subSupernets[k].state_dict()) weights.copy_(parent[name]);
        using (var values = tensor(groupOfOption.Select(g => (long)g).ToArray())) groups?.copy_(values);
        split.fill_(Runtime.Scalars.One);
        WeightsLoaded();
    }

    /// <summary>Reads the split state back from the buffers that a checkpoint just overwrote.</summary>
    public override void WeightsLoaded()
    {
        isSplit = split.item<long>() != 0;
        if (groups is null || !isSplit) return;
        using var scope = NewDisposeScope();
        groupOf = Enumerable.Range(0, Plan.Options).Select(option => (int)groups[option].item<long>()).ToArray();
    }

    /// <summary>The sub-supernet that runs <paramref name="path"/> now.</summary>
    public Nb201Network For(Architecture path) => subSupernets[isSplit ? groupOf[path[Plan.Decision]] : 0];

    public override Tensor Forward(Tensor input, Architecture path, List<Tensor>? cellOutputs = null) =>
        For(path).Forward(input, path, cellOutputs);

    public override IReadOnlyList<Parameter> OperationParameters(Architecture path, int decision, int option) =>
        For(path).OperationParameters(path, decision, option);

    public override long Flops(Architecture path) => For(path).Flops(path);

    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("a supernet's forward pass needs a path: call Forward(input, path)");
}
