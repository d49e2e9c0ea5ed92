using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.GroundTruth;

/// <summary>Which architectures a ground-truth table trains: distinct functions only, none that never reach the
/// output (they all sit at chance and only add ties), stratified by capacity so weak and strong ones are present.</summary>
public static class GroundTruthSelection
{
    public static IReadOnlyList<Architecture> Select(IChoiceSpace space, int count, ulong seed)
    {
        if (space is not Nb201Space)
            throw new NasException($"ground-truth selection is defined for nb201 only, not '{space.Name}'");
        var candidates = Enumerable.Range(0, (int)space.Size)
            .Select(i => space.Canonicalize(Architecture.FromIndex(space, i)))
            .Distinct()
            .Where(a => !Nb201Space.IsDegenerate(a))
            .ToArray();
        var rng = new Rng(seed);
        var picked = ArchitectureSampling.Stratified(candidates, Nb201Space.CapacityProxy, count, rng).ToArray();
        // Training order shuffled, so that a table cut short still spans weak to strong.
        rng.Shuffle(picked.AsSpan());
        return picked;
    }
}
