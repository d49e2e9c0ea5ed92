using System.Globalization;
using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>How a few-shot split groups the split decision's options when there are fewer sub-supernets than options.</summary>
public enum SplitCriterion
{
    /// <summary>One sub-supernet per option (few-shot NAS): nothing to measure.</summary>
    OnePerOption,

    /// <summary>GM-NAS: by how alike the gradients are that the options give the weights they share.</summary>
    Gradients,

    /// <summary>NAS-LID: by how alike the options' local intrinsic dimensions are, layer by layer.</summary>
    IntrinsicDimension,
}

/// <summary>Where a few-shot supernet splits: on one decision, after a fraction of training, into
/// <see cref="Groups"/> sub-supernets, each starting from the parent's weights. With one group per option (few-shot
/// NAS) a child's option on the decision names its sub-supernet; with fewer, the options are grouped at the split by
/// <see cref="Criterion"/>: gradient matching on <see cref="MatchingBatches"/> batches (GM-NAS), or local intrinsic
/// dimensions over <see cref="LidNeighbours"/> neighbours on <see cref="LidBatches"/> batches (NAS-LID).</summary>
public sealed record FewShotSplit(int Decision, long AtStep, int Options)
{
    public int Groups { get; init; } = Options;

    /// <summary>How options are grouped; <see cref="SplitCriterion.OnePerOption"/> whenever every option has a
    /// sub-supernet of its own, whatever was asked.</summary>
    public SplitCriterion Criterion
    {
        get => GroupsOptions ? _grouping : SplitCriterion.OnePerOption;
        init => _grouping = value;
    }

    readonly SplitCriterion _grouping = SplitCriterion.Gradients;

    public int MatchingBatches { get; init; } = DefaultMatchingBatches;

    /// <summary>GM-NAS averages its gradient distances over 100 batches of 64 on a 50-epoch supernet; ten of 128 cost
    /// 50 forward and backward passes here, 2.5% of the default 2,000-step budget.</summary>
    public const int DefaultMatchingBatches = 10;

    /// <summary>k of the maximum-likelihood LID estimate: NAS-LID's reference code uses the 20 nearest neighbours.</summary>
    public int LidNeighbours { get; init; } = DefaultLidNeighbours;

    public const int DefaultLidNeighbours = 20;

    /// <summary>NAS-LID's reference code measures one batch per split (repeat_num = 1).</summary>
    public int LidBatches { get; init; } = 1;

    /// <summary>Whether options share sub-supernets, so that a grouping is measured at the split.</summary>
    public bool GroupsOptions => Groups < Options;

    /// <summary>The split of a strategy whose supernet splits (<c>fewshot</c>, <c>fewshot-gm</c>, <c>fewshot-lid</c>);
    /// null for any other.</summary>
    public static FewShotSplit? Of(string sampler, SamplerContext context) => sampler switch
    {
        FewShotSampler.Name => From(context),
        FewShotSampler.GradientMatchingName => From(context, defaultGroups: 2),
        FewShotSampler.IntrinsicDimensionName => From(context, defaultGroups: 2, SplitCriterion.IntrinsicDimension),
        _ => null,
    };

    /// <summary>Reads <c>split-edge</c> (a decision name such as "3&lt;-0", or its index), <c>split-at</c> (the
    /// fraction of steps trained before the split), <c>groups</c> (sub-supernets: every option by default, 2 for
    /// <c>fewshot-gm</c> and <c>fewshot-lid</c>), and the criterion's own: <c>matching-batches</c> for gradients,
    /// <c>lid-k</c> and <c>lid-batches</c> for intrinsic dimensions.</summary>
    public static FewShotSplit From(SamplerContext context, int? defaultGroups = null, SplitCriterion grouping = SplitCriterion.Gradients)
    {
        var decisions = context.Space.Decisions;
        var names = decisions.Select(d => d.Name).ToArray();
        var edge = context.Settings.String("split-edge", names[DefaultDecision(context.Space)],
                                           names.Concat(Enumerable.Range(0, names.Length).Select(i => i.ToString(CultureInfo.InvariantCulture))).ToArray());
        var decision = int.TryParse(edge, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) ? index : Array.IndexOf(names, edge);
        var fraction = context.Settings.Double("split-at", 0.5, 0, 1);
        var options = decisions[decision].OptionCount;
        var split = new FewShotSplit(decision, (long)Math.Round(fraction * context.TotalSteps), options)
        {
            Groups = context.Settings.Int("groups", defaultGroups ?? options, min: 2, max: options),
            Criterion = grouping,
        };
        return split.Criterion == SplitCriterion.IntrinsicDimension
            ? split with
            {
                // The estimate needs k neighbours besides each point itself within one training batch.
                LidNeighbours = context.Settings.Int("lid-k", DefaultLidNeighbours, min: 2, max: 1000),
                LidBatches = context.Settings.Int("lid-batches", 1, min: 1, max: 1000),
            }
            : split with { MatchingBatches = context.Settings.Int("matching-batches", DefaultMatchingBatches, min: 1, max: 1000) };
    }

    /// <summary>The grouping as people read it: "3&lt;-0 into {none, nor_conv_1x1} {skip_connect, ...}".</summary>
    public string Describe(IChoiceSpace space, IReadOnlyList<int> groupOf)
    {
        var decision = space.Decisions[Decision];
        var groups = Enumerable.Range(0, Groups).Select(g =>
            "{" + string.Join(", ", Enumerable.Range(0, Options).Where(o => groupOf[o] == g).Select(o => decision.Options[o])) + "}");
        return $"{decision.Name} into {string.Join(" ", groups)}";
    }

    /// <summary>NB201's edge from the cell input to its output (3&lt;-0): every child uses it unless it is 'none', and
    /// its operation changes the cell's function most, so splitting there separates the most dissimilar children.</summary>
    static int DefaultDecision(IChoiceSpace space) => space is Nb201Space ? Nb201Space.EdgeIndex(3, 0) : 0;
}

/// <summary>Few-shot NAS (Zhao et al., 2021), and with fewer groups than options GM-NAS (Hu et al., 2022): the
/// supernet trains uniformly until the split, then splits on one decision into sub-supernets, each a copy of the
/// parent. The split decision's options take turns, so every option, and the sub-supernet holding it, trains in
/// proportion to the children it scores; the other decisions stay uniform. A child is scored by the sub-supernet that
/// holds its option, so children in different sub-supernets no longer share, or interfere through, any weight.</summary>
public sealed class FewShotSampler(SamplerContext context, FewShotSplit split, PathDistribution? paths = null) : IPathSampler
{
    public const string Name = "fewshot";

    /// <summary>GM-NAS: the same split into two sub-supernets, options grouped by gradient matching.</summary>
    public const string GradientMatchingName = "fewshot-gm";

    /// <summary>NAS-LID: the same split, options grouped by their layers' local intrinsic dimensions.</summary>
    public const string IntrinsicDimensionName = "fewshot-lid";

    readonly PathDistribution _paths = paths ?? PathDistribution.Uniform(context.Space);
    Rng _rng = new(context.Seed);
    long _step;

    public FewShotSplit Split { get; } = split;

    public string Strategy => Split.Criterion switch
    {
        SplitCriterion.Gradients => GradientMatchingName,
        SplitCriterion.IntrinsicDimension => IntrinsicDimensionName,
        _ => Name,
    };

    public int PathsPerStep => 1;

    public IReadOnlyList<Architecture> NextStep()
    {
        var path = _paths.Draw(_rng);
        var step = _step++;
        if (step < Split.AtStep) return [path];
        return [path.With(Split.Decision, (int)((step - Split.AtStep) % Split.Options))];
    }

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => $"{_rng.SaveState()} {_step}";

    public void RestoreState(string state)
    {
        var parts = state.Split(' ');
        if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
            throw new NasException($"malformed {Strategy} sampler state '{state}'");
        (_rng, _step) = (Rng.FromState(parts[0]), step);
    }
}
