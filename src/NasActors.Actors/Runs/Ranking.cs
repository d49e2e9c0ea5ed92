using NasActors.Actors.Protocol;
using NasActors.Search.GroundTruth;
using NasActors.Search.Ranking;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Runs;

/// <summary>A scored child model: what the ranking is computed from.</summary>
public sealed record ScoredChild(string Strategy, string Architecture, double Accuracy, bool Probe);

/// <summary>Leaderboards and ranking quality of a run, from its scored children and (when its spec names one) the
/// ground-truth table's mean test accuracy per architecture.</summary>
public static class Ranking
{
    /// <summary>Fraction of the true top-k that the supernet also puts in its top-k; k = 10, as the field reports it.</summary>
    public const int OverlapK = 10;

    public static SearchRanking Compute(SearchRunState state, int topK)
    {
        var spec = state.Spec!;
        var truth = spec.GroundTruth is null ? null : GroundTruthTable.Read(spec.GroundTruth, SearchSpaces.Get(spec.Space)).MeanTestAccuracy();
        return Compute(state.SearchId, state.Strategies.Select(s => s.Id).ToArray(), state.ScoredChildren(), truth, topK);
    }

    public static SearchRanking Compute(string searchId, IReadOnlyList<string> strategies, IReadOnlyList<ScoredChild> scored,
                                        IReadOnlyDictionary<string, double>? truth, int topK)
    {
        if (topK < 1) throw new NasException($"--k must be positive, got {topK}");
        return new SearchRanking(searchId, strategies.Select(strategy =>
        {
            var own = scored.Where(e => e.Strategy == strategy).ToArray();
            var leaderboard = own.Where(e => !e.Probe)
                .GroupBy(e => e.Architecture).Select(g => g.First())
                .OrderByDescending(e => e.Accuracy).ThenBy(e => e.Architecture, StringComparer.Ordinal).Take(topK)
                .Select(e => new RankedChild(e.Architecture, e.Accuracy, TrueAccuracy(truth, e.Architecture)))
                .ToArray();
            var probes = own.Where(e => e.Probe && truth is not null && truth.ContainsKey(e.Architecture)).ToArray();
            if (probes.Length < 2) return new StrategyRanking(strategy, leaderboard, probes.Length, null, null, null);
            var estimated = probes.Select(p => p.Accuracy).ToArray();
            var actual = probes.Select(p => truth![p.Architecture]).ToArray();
            // With no more architectures than k, every one is in both top-k lists: the overlap would say nothing.
            return new StrategyRanking(strategy, leaderboard, probes.Length, RankCorrelation.KendallTau(estimated, actual),
                RankCorrelation.SpearmanRho(estimated, actual), probes.Length > OverlapK ? RankCorrelation.TopKOverlap(estimated, actual, OverlapK) : null);
        }).ToArray());
    }

    static double? TrueAccuracy(IReadOnlyDictionary<string, double>? truth, string architecture) =>
        truth is not null && truth.TryGetValue(architecture, out var accuracy) ? accuracy : null;
}
