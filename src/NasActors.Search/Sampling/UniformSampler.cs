using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>Single-path one-shot (SPOS): every edge's operation drawn uniformly and independently at every step.</summary>
public sealed class UniformSampler(IChoiceSpace space, ulong seed) : IPathSampler
{
    public const string Name = "uniform";

    Rng _rng = new(seed);

    public string Strategy => Name;

    public int PathsPerStep => 1;

    public IReadOnlyList<Architecture> NextStep() => [ArchitectureSampling.Uniform(space, _rng)];

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => _rng.SaveState();

    public void RestoreState(string state) => _rng = Rng.FromState(state);
}
