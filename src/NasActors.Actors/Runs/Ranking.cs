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
        return Compute(state.SearchId, state.Strategies.Select(s => s.Id).ToArray(), state.ScoredChildren(), truth, topK, SearchSpaces.Get(spec.Space),
                       EstimatorsOf(spec));
    }

    /// <summary>The estimator of each strategy that trains nothing, by strategy id.</summary>
    public static IReadOnlyDictionary<string, string> EstimatorsOf(SearchSpec spec) =>
        spec.Strategies.Where(s => s.IsEstimator).ToDictionary(s => s.Id, s => s.Sampler);

    /// <summary>Where <paramref name="space"/> has canonical forms, a leaderboard holds one row per function: the
    /// canonical form (dead edges shown as <c>none</c>), scored by the first string of it that was evaluated.</summary>
    public static SearchRanking Compute(string searchId, IReadOnlyList<string> strategies, IReadOnlyList<ScoredChild> scored,
                                        IReadOnlyDictionary<string, double>? truth, int topK, IChoiceSpace? space = null,
                                        IReadOnlyDictionary<string, string>? estimators = null)
    {
        if (topK < 1) throw new NasException($"--k must be positive, got {topK}");
        var functions = space is { HasCanonicalForms: true } ? CanonicalForms.Of(space) : null;
        string FunctionOf(string architecture) => functions is null ? architecture : space!.Canonicalize(space.Parse(architecture)).ToString();
        int Aliases(string architecture) => functions?.AliasCount(space!.Parse(architecture)) ?? 1;
        return new SearchRanking(searchId, strategies.Select(strategy =>
        {
            var own = scored.Where(e => e.Strategy == strategy).ToArray();
            var leaderboard = own.Where(e => !e.Probe)
                .GroupBy(e => FunctionOf(e.Architecture)).Select(g => (Function: g.Key, g.First().Accuracy))
                .OrderByDescending(e => e.Accuracy).ThenBy(e => e.Function, StringComparer.Ordinal).Take(topK)
                .Select(e => new RankedChild(e.Function, e.Accuracy, TrueAccuracy(truth, e.Function), Aliases(e.Function)))
                .ToArray();
            var probes = own.Where(e => e.Probe && truth is not null && truth.ContainsKey(e.Architecture)).ToArray();
            var estimator = estimators?.GetValueOrDefault(strategy);
            if (probes.Length < 2) return new StrategyRanking(strategy, leaderboard, probes.Length, null, null, null, estimator);
            var estimated = probes.Select(p => p.Accuracy).ToArray();
            var actual = probes.Select(p => truth![p.Architecture]).ToArray();
            // With no more architectures than k, every one is in both top-k lists: the overlap would say nothing.
            return new StrategyRanking(strategy, leaderboard, probes.Length, RankCorrelation.KendallTau(estimated, actual),
                RankCorrelation.SpearmanRho(estimated, actual), probes.Length > OverlapK ? RankCorrelation.TopKOverlap(estimated, actual, OverlapK) : null,
                estimator, RankCorrelation.TopKTruePercentile(estimated, actual, 1), RankCorrelation.TopKTruePercentile(estimated, actual, Math.Min(5, probes.Length)));
        }).ToArray());
    }

    static double? TrueAccuracy(IReadOnlyDictionary<string, double>? truth, string architecture) =>
        truth is not null && truth.TryGetValue(architecture, out var accuracy) ? accuracy : null;
}
