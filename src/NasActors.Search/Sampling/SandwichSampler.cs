using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>BigNAS's sandwich rule: each step trains the largest child, the smallest child and k uniform ones,
/// gradients accumulated, so the extremes that bound every other child are trained at every step. The k paths are
/// drawn from the strategy's <see cref="PathDistribution"/>.</summary>
public sealed class SandwichSampler : IPathSampler
{
    public const string Name = "sandwich";

    readonly IChoiceSpace _space;
    readonly int _random;
    Rng _rng;

    readonly PathDistribution _paths;

    public SandwichSampler(IChoiceSpace space, ulong seed, int random, PathDistribution? paths = null)
    {
        if (random < 0) throw new NasException($"strategy '{Name}': the number of random paths must not be negative, got {random}");
        _space = space;
        _random = random;
        _rng = new Rng(seed);
        _paths = paths ?? PathDistribution.Uniform(space);
    }

    public string Strategy => Name;

    public int PathsPerStep => _random + 2;

    public IReadOnlyList<Architecture> NextStep()
    {
        var paths = new List<Architecture>(PathsPerStep) { _space.Largest, _space.Smallest };
        for (var i = 0; i < _random; i++) paths.Add(_paths.Draw(_rng));
        return paths;
    }

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => _rng.SaveState();

    public void RestoreState(string state) => _rng = Rng.FromState(state);
}
