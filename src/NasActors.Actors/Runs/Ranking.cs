using NasActors.Actors.Protocol;
using NasActors.Search.GroundTruth;
using NasActors.Search.Ranking;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Runs;

/// <summary>Leaderboards and ranking quality of a run, computed from its state and (when its spec names one) the
/// ground-truth table.</summary>
public static class Ranking
{
    /// <summary>Fraction of the true top-k that the supernet also puts in its top-k; k = 10, as the field reports it.</summary>
    public const int OverlapK = 10;

    public static SearchRanking Compute(SearchRunState state, int topK)
    {
        if (topK < 1) throw new NasException($"--k must be positive, got {topK}");
        var spec = state.Spec!;
        var truth = spec.GroundTruth is null ? null : GroundTruthTable.Read(spec.GroundTruth, SearchSpaces.Get(spec.Space)).MeanTestAccuracy();
        return new SearchRanking(state.SearchId, state.Strategies.Select(strategy =>
        {
            var scored = state.Evaluations.Values.Where(e => e.Request.Strategy == strategy.Id && e.Accuracy is not null).ToArray();
            var leaderboard = scored.Where(e => !e.Request.Probe)
                .GroupBy(e => e.Request.Architecture).Select(g => g.First())
                .OrderByDescending(e => e.Accuracy).ThenBy(e => e.Request.Architecture, StringComparer.Ordinal).Take(topK)
                .Select(e => new RankedChild(e.Request.Architecture, e.Accuracy!.Value, TrueAccuracy(truth, e.Request.Architecture)))
                .ToArray();
            var probes = scored.Where(e => e.Request.Probe && truth is not null && truth.ContainsKey(e.Request.Architecture)).ToArray();
            if (probes.Length < 2) return new StrategyRanking(strategy.Id, leaderboard, probes.Length, null, null, null);
            var estimated = probes.Select(p => p.Accuracy!.Value).ToArray();
            var actual = probes.Select(p => truth![p.Request.Architecture]).ToArray();
            // With no more architectures than k, every one is in both top-k lists: the overlap would say nothing.
            return new StrategyRanking(strategy.Id, leaderboard, probes.Length, RankCorrelation.KendallTau(estimated, actual),
                RankCorrelation.SpearmanRho(estimated, actual), probes.Length > OverlapK ? RankCorrelation.TopKOverlap(estimated, actual, OverlapK) : null);
        }).ToArray());
    }

    static double? TrueAccuracy(IReadOnlyDictionary<string, double>? truth, string architecture) =>
        truth is not null && truth.TryGetValue(architecture, out var accuracy) ? accuracy : null;
}
