using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>BigNAS's sandwich rule: each step trains the largest child, the smallest child and k uniform ones,
/// gradients accumulated, so the extremes that bound every other child are trained at every step.</summary>
public sealed class SandwichSampler : IPathSampler
{
    public const string Name = "sandwich";

    readonly IChoiceSpace _space;
    readonly int _random;
    Rng _rng;

    public SandwichSampler(IChoiceSpace space, ulong seed, int random)
    {
        if (random < 0) throw new NasException($"strategy '{Name}': the number of random paths must not be negative, got {random}");
        _space = space;
        _random = random;
        _rng = new Rng(seed);
    }

    public string Strategy => Name;

    public int PathsPerStep => _random + 2;

    public IReadOnlyList<Architecture> NextStep()
    {
        var paths = new List<Architecture>(PathsPerStep) { _space.Largest, _space.Smallest };
        for (var i = 0; i < _random; i++) paths.Add(ArchitectureSampling.Uniform(_space, _rng));
        return paths;
    }

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => _rng.SaveState();

    public void RestoreState(string state) => _rng = Rng.FromState(state);
}
