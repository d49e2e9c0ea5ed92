using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>Single-path one-shot (SPOS): one random path a step, every edge's operation drawn uniformly and
/// independently unless <paramref name="paths"/> says otherwise (over distinct functions, weighted by convolutions).</summary>
public sealed class UniformSampler(IChoiceSpace space, ulong seed, PathDistribution? paths = null) : IPathSampler
{
    public const string Name = "uniform";

    readonly PathDistribution _paths = paths ?? PathDistribution.Uniform(space);
    Rng _rng = new(seed);

    public string Strategy => Name;

    public int PathsPerStep => 1;

    public IReadOnlyList<Architecture> NextStep() => [_paths.Draw(_rng)];

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => _rng.SaveState();

    public void RestoreState(string state) => _rng = Rng.FromState(state);
}
