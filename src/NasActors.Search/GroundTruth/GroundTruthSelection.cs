using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.GroundTruth;

/// <summary>How a ground-truth table spreads its architectures between weak and strong.</summary>
public enum GroundTruthStratification
{
    /// <summary>Equal quantiles of the capacity proxy: the table mirrors the space, where most cells hold one or two
    /// 3x3 convolutions and differ little.</summary>
    Capacity,

    /// <summary>An equal share for each number of live convolutions (0 to 6), quantiles of the capacity proxy within
    /// each share: cells without convolution, the weak end of the space, are as present as the all-convolution ones.</summary>
    Convolutions,
}

/// <summary>Which architectures a ground-truth table trains: distinct functions only, none that never reach the
/// output (they all sit at chance and only add ties), stratified so weak and strong ones are present.</summary>
public static class GroundTruthSelection
{
    public static IReadOnlyList<Architecture> Select(
        IChoiceSpace space, int count, ulong seed, GroundTruthStratification stratification = GroundTruthStratification.Capacity)
    {
        if (space is not Nb201Space)
            throw new NasException($"ground-truth selection is defined for nb201 only, not '{space.Name}'");
        var candidates = Enumerable.Range(0, (int)space.Size)
            .Select(i => space.Canonicalize(Architecture.FromIndex(space, i)))
            .Distinct()
            .Where(a => !Nb201Space.IsDegenerate(a))
            .ToArray();
        var rng = new Rng(seed);
        var picked = (stratification switch
        {
            GroundTruthStratification.Capacity => ArchitectureSampling.Stratified(candidates, Nb201Space.CapacityProxy, count, rng),
            GroundTruthStratification.Convolutions => ByConvolutionCount(candidates, count, rng),
            _ => throw new ArgumentOutOfRangeException(nameof(stratification)),
        }).ToArray();
        // Training order shuffled, so that a table cut short still spans weak to strong.
        rng.Shuffle(picked.AsSpan());
        return picked;
    }

    /// <summary>Parses a <c>--stratify</c> value.</summary>
    public static GroundTruthStratification ParseStratification(string text) => text switch
    {
        "capacity" => GroundTruthStratification.Capacity,
        "convolutions" => GroundTruthStratification.Convolutions,
        _ => throw new NasException($"unknown stratification '{text}': use capacity or convolutions"),
    };

    static IEnumerable<Architecture> ByConvolutionCount(IReadOnlyList<Architecture> candidates, int count, Rng rng)
    {
        ArchitectureSampling.CheckCount(count, candidates.Count);
        // Smallest groups first, so that a group with fewer candidates than its share passes the rest on.
        var groups = candidates.GroupBy(Nb201Space.LiveConvolutions)
            .Select(g => g.ToArray()).OrderBy(g => g.Length).ThenBy(g => Nb201Space.LiveConvolutions(g[0])).ToArray();
        var picked = new List<Architecture>(count);
        for (var g = 0; g < groups.Length; g++)
        {
            var remainingGroups = groups.Length - g;
            var share = Math.Min(groups[g].Length, (count - picked.Count + remainingGroups - 1) / remainingGroups);
            if (share > 0) picked.AddRange(ArchitectureSampling.Stratified(groups[g], Nb201Space.CapacityProxy, share, rng));
        }
        return picked;
    }
}
