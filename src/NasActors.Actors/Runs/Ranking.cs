using NasActors.Actors.Protocol;
using NasActors.Search.GroundTruth;
using NasActors.Search.Ranking;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Runs;

/// <summary>A scored child model: what the ranking is computed from. <paramref name="ForCombination"/>: scored for a
/// combined estimator, not proposed by the strategy's own evolution (so not on its own leaderboard).</summary>
public sealed record ScoredChild(string Strategy, string Architecture, double Accuracy, bool Probe, bool ForCombination = false);

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
                       EstimatorsOf(spec), spec.Combinations);
    }

    /// <summary>The estimator of each strategy that trains nothing, by strategy id.</summary>
    public static IReadOnlyDictionary<string, string> EstimatorsOf(SearchSpec spec) =>
        spec.Strategies.Where(s => s.IsEstimator).ToDictionary(s => s.Id, s => s.Sampler);

    /// <summary>Where <paramref name="space"/> has canonical forms, a leaderboard holds one row per function: the
    /// canonical form (dead edges shown as <c>none</c>), scored by the first string of it that was evaluated.</summary>
    public static SearchRanking Compute(string searchId, IReadOnlyList<string> strategies, IReadOnlyList<ScoredChild> scored,
                                        IReadOnlyDictionary<string, double>? truth, int topK, IChoiceSpace? space = null,
                                        IReadOnlyDictionary<string, string>? estimators = null, IReadOnlyList<CombinationSpec>? combinations = null)
    {
        if (topK < 1) throw new NasException($"--k must be positive, got {topK}");
        var functions = space is { HasCanonicalForms: true } ? CanonicalForms.Of(space) : null;
        string FunctionOf(string architecture) => space?.FunctionOf(architecture) ?? architecture;
        int Aliases(string architecture) => functions?.AliasCount(space!.Parse(architecture)) ?? 1;
        return new SearchRanking(searchId, strategies.Select(strategy =>
        {
            var own = scored.Where(e => e.Strategy == strategy).ToArray();
            var leaderboard = own.Where(e => !e.Probe && !e.ForCombination)
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
        }).Concat((combinations ?? []).Select(c => Combined(c, scored, truth, topK, FunctionOf, Aliases))).ToArray());
    }

    /// <summary>A combined estimator's row: its leaderboard ranks the functions every member scored, its ranking quality
    /// the probes every member scored, each by the mean of the members' ranks within that set (1 = every member's best).</summary>
    static StrategyRanking Combined(CombinationSpec combination, IReadOnlyList<ScoredChild> scored, IReadOnlyDictionary<string, double>? truth, int topK,
                                    Func<string, string> functionOf, Func<string, int> aliases)
    {
        // A member's score of a function is that of the first string of it the member scored, as its leaderboard takes it.
        Dictionary<string, double>[] ScoresBy(bool probe, Func<string, string> keyOf) => combination.Members
            .Select(member => scored.Where(e => e.Strategy == member && e.Probe == probe && (!probe || truth?.ContainsKey(e.Architecture) == true))
                .GroupBy(e => keyOf(e.Architecture)).ToDictionary(g => g.Key, g => g.First().Accuracy)).ToArray();
        static (string[] Keys, double[] Shares) MeanRanks(Dictionary<string, double>[] byMember)
        {
            var common = byMember[0].Keys.Where(k => byMember.All(m => m.ContainsKey(k))).Order(StringComparer.Ordinal).ToArray();
            return (common, common.Length == 0 ? [] : RankCorrelation.MeanRankShares(byMember.Select(m => common.Select(k => m[k]).ToArray()).ToArray()));
        }
        var (functions, shares) = MeanRanks(ScoresBy(probe: false, functionOf));
        var leaderboard = functions.Zip(shares).OrderByDescending(e => e.Item2).ThenBy(e => e.Item1, StringComparer.Ordinal).Take(topK)
            .Select(e => new RankedChild(e.Item1, e.Item2, TrueAccuracy(truth, e.Item1), aliases(e.Item1))).ToArray();
        var (probes, estimated) = MeanRanks(ScoresBy(probe: true, architecture => architecture));
        if (probes.Length < 2) return new StrategyRanking(combination.Id, leaderboard, probes.Length, null, null, null, Combines: combination.Members);
        var actual = probes.Select(p => truth![p]).ToArray();
        return new StrategyRanking(combination.Id, leaderboard, probes.Length, RankCorrelation.KendallTau(estimated, actual),
            RankCorrelation.SpearmanRho(estimated, actual), probes.Length > OverlapK ? RankCorrelation.TopKOverlap(estimated, actual, OverlapK) : null,
            Top1Percentile: RankCorrelation.TopKTruePercentile(estimated, actual, 1),
            Top5Percentile: RankCorrelation.TopKTruePercentile(estimated, actual, Math.Min(5, probes.Length)), Combines: combination.Members);
    }

    static double? TrueAccuracy(IReadOnlyDictionary<string, double>? truth, string architecture) =>
        truth is not null && truth.TryGetValue(architecture, out var accuracy) ? accuracy : null;
}
