using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>Ways of drawing architectures from a space that samplers, searches and ground truth share.</summary>
public static class ArchitectureSampling
{
    /// <summary>Every decision's option drawn uniformly and independently.</summary>
    public static Architecture Uniform(IChoiceSpace space, Rng rng)
    {
        var choices = new int[space.Decisions.Count];
        for (var d = 0; d < choices.Length; d++) choices[d] = rng.NextInt(space.Decisions[d].OptionCount);
        return new Architecture(space, choices);
    }

    /// <summary>Picks <paramref name="count"/> candidates spread over the range of <paramref name="score"/>: the
    /// candidates are sorted by score, cut into <paramref name="count"/> equal strata, and one is drawn from each,
    /// so weak and strong architectures are both present.</summary>
    public static IReadOnlyList<Architecture> Stratified(
        IReadOnlyList<Architecture> candidates, Func<Architecture, double> score, int count, Rng rng)
    {
        CheckCount(count, candidates.Count);
        // A random tie-break key keeps strata of equal score from favouring low indices.
        var keyed = candidates.Select(a => (Architecture: a, Score: score(a), Tie: rng.NextULong()))
                              .OrderBy(x => x.Score).ThenBy(x => x.Tie).ToArray();
        var picked = new Architecture[count];
        for (var s = 0; s < count; s++)
        {
            var start = (int)((long)s * keyed.Length / count);
            var end = (int)((long)(s + 1) * keyed.Length / count);
            picked[s] = keyed[start + rng.NextInt(end - start)].Architecture;
        }
        return picked;
    }

    /// <summary>A selection of <paramref name="count"/> distinct architectures out of <paramref name="available"/> candidates is possible.</summary>
    public static void CheckCount(int count, int available)
    {
        if (count < 1) throw new NasException($"the number of architectures must be positive, got {count}");
        if (count > available)
            throw new NasException($"asked for {count} architectures but the space has only {available} distinct candidates");
    }
}
