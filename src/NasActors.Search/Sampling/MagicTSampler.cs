using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>MAGIC-T (Xu et al., "Analyzing and Mitigating Interference in Neural Architecture Search"): interference
/// between two children grows with the number of operations in which they differ, so each path differs from the one
/// before in exactly one decision (a random decision gets a different random option). The first path is drawn from
/// <paramref name="paths"/> (uniform by default); with <c>deiso</c>, a move must change the function the path
/// computes: one on an edge that cannot reach the output would train the same child again.</summary>
public sealed class MagicTSampler(IChoiceSpace space, ulong seed, PathDistribution? paths = null) : IPathSampler
{
    public const string Name = "magic-t";

    // A path of dead edges may need several draws to find a move that changes its function; one always exists.
    const int MoveAttempts = 1000;

    readonly PathDistribution _paths = paths ?? PathDistribution.Uniform(space);
    Rng _rng = new(seed);
    Architecture? _previous;

    public string Strategy => Name;

    public int PathsPerStep => 1;

    public IReadOnlyList<Architecture> NextStep()
    {
        if (_previous is null) return [_previous = _paths.Draw(_rng)];
        var next = Move(_previous);
        for (var attempt = 1; _paths.Deiso && attempt < MoveAttempts && space.Canonicalize(next).Equals(space.Canonicalize(_previous)); attempt++)
            next = Move(_previous);
        return [_previous = next];
    }

    Architecture Move(Architecture from)
    {
        var decision = _rng.NextInt(space.Decisions.Count);
        // One of the other options, uniformly: draw from count - 1 and skip over the current one.
        var option = _rng.NextInt(space.Decisions[decision].OptionCount - 1);
        if (option >= from[decision]) option++;
        return from.With(decision, option);
    }

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => _rng.SaveState() + " " + (_previous is null ? "-" : string.Join(",", _previous.Choices));

    public void RestoreState(string state)
    {
        var parts = state.Split(' ');
        if (parts.Length != 2) throw new NasException($"malformed {Name} sampler state '{state}'");
        _rng = Rng.FromState(parts[0]);
        _previous = parts[1] == "-" ? null : new Architecture(space, parts[1].Split(',').Select(int.Parse).ToArray());
    }
}
