using System.Globalization;
using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>Where a few-shot supernet splits: on one decision, after a fraction of training. From that step on there
/// is one sub-supernet per option of the decision, each starting from the parent's weights.</summary>
public sealed record FewShotSplit(int Decision, long AtStep, int SubSupernets)
{
    /// <summary>Reads <c>split-edge</c> (a decision name such as "3&lt;-0", or its index) and <c>split-at</c> (the
    /// fraction of steps trained before the split).</summary>
    public static FewShotSplit From(SamplerContext context)
    {
        var decisions = context.Space.Decisions;
        var names = decisions.Select(d => d.Name).ToArray();
        var edge = context.Settings.String("split-edge", names[DefaultDecision(context.Space)],
                                           names.Concat(Enumerable.Range(0, names.Length).Select(i => i.ToString(CultureInfo.InvariantCulture))).ToArray());
        var decision = int.TryParse(edge, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) ? index : Array.IndexOf(names, edge);
        var fraction = context.Settings.Double("split-at", 0.5, 0, 1);
        return new FewShotSplit(decision, (long)Math.Round(fraction * context.TotalSteps), decisions[decision].OptionCount);
    }

    /// <summary>NB201's edge from the cell input to its output (3&lt;-0): every child uses it unless it is 'none', and
    /// its operation changes the cell's function most, so splitting there separates the most dissimilar children.</summary>
    static int DefaultDecision(IChoiceSpace space) => space is Nb201Space ? Nb201Space.EdgeIndex(3, 0) : 0;

    /// <summary>The sub-supernet that trains and scores <paramref name="path"/> at <paramref name="step"/>: 0 (the
    /// parent) before the split, the path's option on the split decision after it.</summary>
    public int SubSupernetFor(Architecture path, long step) => step < AtStep ? 0 : path[Decision];
}

/// <summary>Few-shot NAS (Zhao et al., 2021): the supernet trains uniformly until the split, then splits on one
/// decision into one sub-supernet per option, each a copy of the parent; sub-supernets take turns, each training
/// uniform paths that carry its own option on the split decision. A child is scored by the sub-supernet that matches
/// it, so children that differ on the split decision no longer share, or interfere through, any weight.</summary>
public sealed class FewShotSampler(SamplerContext context, FewShotSplit split) : IPathSampler
{
    public const string Name = "fewshot";

    Rng _rng = new(context.Seed);
    long _step;

    public FewShotSplit Split { get; } = split;

    public string Strategy => Name;

    public int PathsPerStep => 1;

    public IReadOnlyList<Architecture> NextStep()
    {
        var path = ArchitectureSampling.Uniform(context.Space, _rng);
        var step = _step++;
        if (step < Split.AtStep) return [path];
        return [path.With(Split.Decision, (int)((step - Split.AtStep) % Split.SubSupernets))];
    }

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => $"{_rng.SaveState()} {_step}";

    public void RestoreState(string state)
    {
        var parts = state.Split(' ');
        if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
            throw new NasException($"malformed {Name} sampler state '{state}'");
        (_rng, _step) = (Rng.FromState(parts[0]), step);
    }
}
