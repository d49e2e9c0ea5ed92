using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>FairNAS strict fairness: each step trains m paths (m = options per decision) that together use every
/// option of every decision exactly once (a fresh random permutation per decision), gradients accumulated into one
/// update, so no operation gets more updates than another.</summary>
public sealed class FairSampler : IPathSampler
{
    public const string Name = "fair";

    readonly IChoiceSpace _space;
    Rng _rng;

    public FairSampler(IChoiceSpace space, ulong seed)
    {
        var counts = space.Decisions.Select(d => d.OptionCount).Distinct().ToArray();
        if (counts.Length != 1)
            throw new NasException($"strategy '{Name}' needs the same number of options in every decision; {space.Name} has {string.Join(", ", counts)}");
        _space = space;
        PathsPerStep = counts[0];
        _rng = new Rng(seed);
    }

    public string Strategy => Name;

    public int PathsPerStep { get; }

    public IReadOnlyList<Architecture> NextStep()
    {
        var decisions = _space.Decisions.Count;
        var choices = new int[PathsPerStep][];
        for (var p = 0; p < PathsPerStep; p++) choices[p] = new int[decisions];
        for (var d = 0; d < decisions; d++)
        {
            var permutation = _rng.Permutation(PathsPerStep);
            for (var p = 0; p < PathsPerStep; p++) choices[p][d] = permutation[p];
        }
        return choices.Select(c => new Architecture(_space, c)).ToArray();
    }

    public void Observe(StepFeedback feedback) { }

    public string SaveState() => _rng.SaveState();

    public void RestoreState(string state) => _rng = Rng.FromState(state);
}
