namespace NasActors.Search.Ranking;

/// <summary>How well one ranking (supernet estimates) agrees with another (stand-alone ground truth).</summary>
public static class RankCorrelation
{
    /// <summary>Kendall's tau-b, which corrects for ties (many architectures share an accuracy).</summary>
    public static double KendallTau(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPaired(x, y);
        return KendallTauOverPairs(x, y, static (_, _) => true);
    }

    /// <summary>Kendall's tau-b over the pairs of items in the same group only: how well one ranking orders what a
    /// coarse proxy (the group, e.g. the number of convolutions) cannot tell apart. NaN when no group holds two
    /// items that differ.</summary>
    public static double KendallTauWithinGroups(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<int> groups)
    {
        CheckPaired(x, y);
        if (groups.Count != x.Count) throw new ArgumentException($"{groups.Count} groups for {x.Count} items");
        return KendallTauOverPairs(x, y, (i, j) => groups[i] == groups[j]);
    }

    static double KendallTauOverPairs(IReadOnlyList<double> x, IReadOnlyList<double> y, Func<int, int, bool> counts)
    {
        long concordant = 0, discordant = 0, tiedX = 0, tiedY = 0;
        for (var i = 0; i < x.Count; i++)
            for (var j = i + 1; j < x.Count; j++)
            {
                if (!counts(i, j)) continue;
                var dx = Math.Sign(x[i] - x[j]);
                var dy = Math.Sign(y[i] - y[j]);
                if (dx == 0 && dy == 0) continue;
                if (dx == 0) tiedX++;
                else if (dy == 0) tiedY++;
                else if (dx == dy) concordant++;
                else discordant++;
            }
        var denominator = Math.Sqrt((double)(concordant + discordant + tiedX) * (concordant + discordant + tiedY));
        return denominator == 0 ? double.NaN : (concordant - discordant) / denominator;
    }

    /// <summary>Spearman's rho: Pearson correlation of the average ranks.</summary>
    public static double SpearmanRho(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPaired(x, y);
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>Fraction of the true top-k that is also in the estimated top-k. Values tied across the k-th place
    /// share its remaining slots: the result is the expected overlap when ties are broken at random, so no item wins
    /// a tie by where it is listed.</summary>
    public static double TopKOverlap(IReadOnlyList<double> estimated, IReadOnlyList<double> truth, int k)
    {
        CheckPaired(estimated, truth);
        if (k < 1 || k > estimated.Count) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in 1..{estimated.Count}");
        var inEstimatedTop = TopKMembership(estimated, k);
        var inTrueTop = TopKMembership(truth, k);
        return Enumerable.Range(0, estimated.Count).Sum(i => inEstimatedTop[i] * inTrueTop[i]) / k;
    }

    /// <summary>Where the estimate's top k stand in the truth: the mean true percentile (0 the worst item, 1 the best,
    /// ties in the truth sharing their mean) of the k items the estimate ranks highest, expected over a random tie-break
    /// of the estimate. With k = 1: how good the single child a search would hand back is.</summary>
    public static double TopKTruePercentile(IReadOnlyList<double> estimated, IReadOnlyList<double> truth, int k)
    {
        CheckPaired(estimated, truth);
        if (k < 1 || k > estimated.Count) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in 1..{estimated.Count}");
        var inEstimatedTop = TopKMembership(estimated, k);
        var trueRanks = AverageRanks(truth);
        return Enumerable.Range(0, estimated.Count).Sum(i => inEstimatedTop[i] * (trueRanks[i] - 1) / (estimated.Count - 1)) / k;
    }

    /// <summary>Per item, the probability that it is in the top k when ties are broken uniformly at random.</summary>
    static double[] TopKMembership(IReadOnlyList<double> values, int k)
    {
        var kth = values.OrderByDescending(v => v).ElementAt(k - 1);
        var above = values.Count(v => v > kth);
        var tied = values.Count(v => v == kth);
        var shareOfTied = (k - above) / (double)tied;
        return values.Select(v => v > kth ? 1.0 : v == kth ? shareOfTied : 0.0).ToArray();
    }

    /// <summary>Per item, the mean of its ranks under every estimate (each a list over the same items; higher is better),
    /// as a share of the best rank: 1 for an item every estimate puts first, 0 for one every estimate puts last. Every
    /// estimate weighs alike, whatever the scale of its scores.</summary>
    public static double[] MeanRankShares(IReadOnlyList<IReadOnlyList<double>> estimates)
    {
        if (estimates.Count == 0) throw new ArgumentException("no estimate to combine", nameof(estimates));
        var count = estimates[0].Count;
        if (estimates.Any(e => e.Count != count)) throw new ArgumentException("every estimate must score the same items", nameof(estimates));
        if (count == 1) return [1.0];
        var sums = new double[count];
        foreach (var ranks in estimates.Select(AverageRanks))
            for (var i = 0; i < count; i++) sums[i] += ranks[i];
        return sums.Select(sum => (sum / estimates.Count - 1) / (count - 1)).ToArray();
    }

    /// <summary>Ranks from 1 (smallest); tied values share the mean of their ranks.</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            var rank = (start + end) / 2.0 + 1;
            for (var i = start; i <= end; i++) ranks[order[i]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    static double Pearson(double[] x, double[] y)
    {
        double meanX = x.Average(), meanY = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - meanX) * (y[i] - meanY);
            sxx += (x[i] - meanX) * (x[i] - meanX);
            syy += (y[i] - meanY) * (y[i] - meanY);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    static void CheckPaired(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"rankings differ in length: {x.Count} and {y.Count}");
        if (x.Count < 2) throw new ArgumentException("a rank correlation needs at least 2 items");
        for (var i = 0; i < x.Count; i++)
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                throw new ArgumentException($"item {i} is not a finite number ({x[i]}, {y[i]}); drop it before ranking");
    }
}
