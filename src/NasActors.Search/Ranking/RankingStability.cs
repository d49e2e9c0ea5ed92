namespace NasActors.Search.Ranking;

/// <summary>One run's estimate of each architecture with the weights of one checkpoint.</summary>
public sealed record CheckpointEstimates(long Step, IReadOnlyDictionary<string, double> Estimates);

/// <summary>How stable one strategy's ranking is at one checkpoint step, each a mean over the runs (seeds) that have it:
/// Kendall tau against the truth; against the same run's previous checkpoint; the share of the top-k that stays in the
/// top-k since that checkpoint; and Kendall tau between every two runs at this step. NaN where there is nothing to compare
/// (the first checkpoint has no previous one; one run has no other).</summary>
public sealed record StabilityPoint(long Step, int Runs, double TauVsTruth, double TauVsPrevious, double TopOverlapVsPrevious, double TauBetweenRuns);

/// <summary>The stability of weight sharing as Zhang et al. (2020, "Deeper Insights into Weight Sharing in Neural
/// Architecture Search") measure it: how much the ranking a supernet gives moves from one checkpoint to the next and from
/// one seed to another, beside how well it ranks.</summary>
public static class RankingStability
{
    /// <param name="runs">Per run (seed), its checkpoints in any order.</param>
    /// <param name="topK">The k of the overlap; fewer architectures than k compare them all.</param>
    public static IReadOnlyList<StabilityPoint> Of(IReadOnlyList<IReadOnlyList<CheckpointEstimates>> runs, IReadOnlyDictionary<string, double> truth,
                                                   int topK = 10)
    {
        var ordered = runs.Select(r => r.OrderBy(c => c.Step).ToArray()).ToArray();
        return ordered.SelectMany(r => r.Select(c => c.Step)).Distinct().Order().Select(step =>
        {
            var atStep = ordered.Select(r => (Run: r, Index: Array.FindIndex(r, c => c.Step == step))).Where(x => x.Index >= 0).ToArray();
            var versusTruth = atStep.Select(x => Tau(x.Run[x.Index].Estimates, truth)).ToArray();
            var withPrevious = atStep.Where(x => x.Index > 0).Select(x => (Previous: x.Run[x.Index - 1].Estimates, Current: x.Run[x.Index].Estimates)).ToArray();
            var betweenRuns = new List<double>();
            for (var i = 0; i < atStep.Length; i++)
                for (var j = i + 1; j < atStep.Length; j++)
                    betweenRuns.Add(Tau(atStep[i].Run[atStep[i].Index].Estimates, atStep[j].Run[atStep[j].Index].Estimates));
            return new StabilityPoint(step, atStep.Length, Mean(versusTruth), Mean(withPrevious.Select(p => Tau(p.Current, p.Previous))),
                                      Mean(withPrevious.Select(p => Overlap(p.Current, p.Previous, topK))), Mean(betweenRuns));
        }).ToArray();
    }

    /// <summary>Kendall tau over the architectures both score; NaN with fewer than two.</summary>
    public static double Tau(IReadOnlyDictionary<string, double> first, IReadOnlyDictionary<string, double> second)
    {
        var common = first.Keys.Where(second.ContainsKey).Order(StringComparer.Ordinal).ToArray();
        return common.Length < 2 ? double.NaN
            : RankCorrelation.KendallTau(common.Select(a => first[a]).ToArray(), common.Select(a => second[a]).ToArray());
    }

    static double Overlap(IReadOnlyDictionary<string, double> first, IReadOnlyDictionary<string, double> second, int topK)
    {
        var common = first.Keys.Where(second.ContainsKey).Order(StringComparer.Ordinal).ToArray();
        return common.Length == 0 ? double.NaN
            : RankCorrelation.TopKOverlap(common.Select(a => first[a]).ToArray(), common.Select(a => second[a]).ToArray(), Math.Min(topK, common.Length));
    }

    static double Mean(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : finite.Average();
    }
}
