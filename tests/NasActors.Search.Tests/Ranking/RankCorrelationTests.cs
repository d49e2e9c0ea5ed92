using NasActors.Search.Ranking;

namespace NasActors.Search.Tests.Ranking;

public sealed class RankCorrelationTests
{
    const int Precision = 12;

    [Fact]
    public void KendallTau_should_match_scipy_with_ties_in_one_ranking()
    {
        // scipy.stats.kendalltau([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]): 8 concordant, 1 discordant, 1 tied in y.
        Assert.Equal(0.7378647873726218, RankCorrelation.KendallTau([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), Precision);
    }

    [Fact]
    public void KendallTau_should_use_the_tau_b_correction_for_ties_in_both_rankings()
    {
        // 4 concordant, 0 discordant, one pair tied in x only, one in y only: 4 / sqrt(5 * 5).
        Assert.Equal(0.8, RankCorrelation.KendallTau([1, 1, 2, 3], [1, 2, 2, 3]), Precision);
        // A pair tied in both counts in neither: 5 concordant of 5 untied pairs.
        Assert.Equal(1.0, RankCorrelation.KendallTau([1, 1, 2, 3], [4, 4, 5, 6]), Precision);
    }

    [Fact]
    public void KendallTau_should_be_one_for_the_same_order_and_minus_one_for_the_reverse()
    {
        double[] x = [0.1, 0.5, 0.3, 0.9, 0.7];

        Assert.Equal(1.0, RankCorrelation.KendallTau(x, x.Select(v => v * 10 + 3).ToArray()), Precision);
        Assert.Equal(-1.0, RankCorrelation.KendallTau(x, x.Select(v => -v).ToArray()), Precision);
    }

    [Fact]
    public void KendallTau_should_match_a_hand_count_without_ties()
    {
        // Pairs of [1, 2, 3, 4] against [1, 3, 2, 4]: 5 concordant, 1 discordant.
        Assert.Equal(4.0 / 6, RankCorrelation.KendallTau([1, 2, 3, 4], [1, 3, 2, 4]), Precision);
    }

    [Fact]
    public void KendallTau_should_be_symmetric()
    {
        double[] x = [3, 1, 4, 1, 5, 9, 2, 6];
        double[] y = [2, 7, 1, 8, 2, 8, 1, 8];

        Assert.Equal(RankCorrelation.KendallTau(x, y), RankCorrelation.KendallTau(y, x), Precision);
    }

    [Fact]
    public void KendallTau_should_be_undefined_for_a_constant_ranking()
    {
        Assert.True(double.IsNaN(RankCorrelation.KendallTau([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void SpearmanRho_should_match_scipy_with_ties()
    {
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).
        Assert.Equal(0.8207826816681233, RankCorrelation.SpearmanRho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), Precision);
        // Average ranks [1.5, 1.5, 3, 4] and [1, 2.5, 2.5, 4]: 3.75 / 4.5.
        Assert.Equal(5.0 / 6, RankCorrelation.SpearmanRho([1, 1, 2, 3], [1, 2, 2, 3]), Precision);
    }

    [Fact]
    public void SpearmanRho_should_use_ranks_not_values()
    {
        // Monotone but far from linear: Pearson would be below 1, Spearman is exactly 1.
        Assert.Equal(1.0, RankCorrelation.SpearmanRho([1, 2, 3, 4], [1, 10, 100, 10_000]), Precision);
        Assert.Equal(-1.0, RankCorrelation.SpearmanRho([1, 2, 3, 4], [10_000, 100, 10, 1]), Precision);
    }

    [Fact]
    public void SpearmanRho_should_match_the_no_ties_formula()
    {
        // 1 - 6 * sum(d^2) / (n (n^2 - 1)) with d = [0, 1, -1, 0, 0]: 1 - 12 / 120.
        Assert.Equal(0.9, RankCorrelation.SpearmanRho([1, 2, 3, 4, 5], [1, 3, 2, 4, 5]), Precision);
    }

    [Fact]
    public void AverageRanks_should_rank_from_one_and_share_the_mean_rank_among_ties()
    {
        Assert.Equal([2.0, 3.5, 3.5, 1.0], RankCorrelation.AverageRanks([10, 20, 20, 5]));
        Assert.Equal([2.0, 2.0, 2.0], RankCorrelation.AverageRanks([7, 7, 7]));
        Assert.Equal([4.0, 2.0, 2.0, 2.0, 5.0], RankCorrelation.AverageRanks([0.5, 0.1, 0.1, 0.1, 0.9]));
    }

    [Fact]
    public void MeanRankShares_should_weigh_every_estimate_alike_whatever_its_scale()
    {
        // Ranks 1..4 under the first, 4,1,2,3 under the second (scores a thousand times larger): mean ranks 2.5, 1.5, 2.5, 3.5.
        Assert.Equal([0.5, 1 / 6.0, 0.5, 5 / 6.0], RankCorrelation.MeanRankShares([[1, 2, 3, 4], [4000, 1000, 2000, 3000]]));
        Assert.Equal([1.0, 0.0], RankCorrelation.MeanRankShares([[5, 1], [0.2, 0.1]]));
        Assert.Equal([1.0], RankCorrelation.MeanRankShares([[3]]));
        Assert.Throws<ArgumentException>(() => RankCorrelation.MeanRankShares([[1, 2], [1]]));
    }

    [Fact]
    public void KendallTauWithinGroups_should_count_only_pairs_in_the_same_group()
    {
        // Across groups the estimate is backwards (group 1 estimated below group 0, truly above); within each group
        // it orders items as the truth does.
        double[] estimated = [0.8, 0.9, 0.1, 0.2, 0.3];
        double[] truth = [0.1, 0.2, 0.7, 0.8, 0.9];
        int[] groups = [0, 0, 1, 1, 1];

        Assert.Equal(1.0, RankCorrelation.KendallTauWithinGroups(estimated, truth, groups), Precision);
        Assert.True(RankCorrelation.KendallTau(estimated, truth) < 0);
        Assert.Equal(RankCorrelation.KendallTau(estimated, truth), RankCorrelation.KendallTauWithinGroups(estimated, truth, [0, 0, 0, 0, 0]), Precision);
        Assert.True(double.IsNaN(RankCorrelation.KendallTauWithinGroups(estimated, truth, [0, 1, 2, 3, 4])));
        Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTauWithinGroups(estimated, truth, [0, 1]));
    }

    [Fact]
    public void TopKOverlap_should_give_the_fraction_of_the_true_top_k_found()
    {
        double[] estimated = [0.1, 0.9, 0.8, 0.2];
        double[] truth = [0.2, 0.7, 0.1, 0.9];

        Assert.Equal(0.0, RankCorrelation.TopKOverlap(estimated, truth, 1)); // 1 vs 3
        Assert.Equal(0.5, RankCorrelation.TopKOverlap(estimated, truth, 2)); // {1, 2} vs {3, 1}
        Assert.Equal(2.0 / 3, RankCorrelation.TopKOverlap(estimated, truth, 3), Precision); // {1, 2, 3} vs {3, 1, 0}
        Assert.Equal(1.0, RankCorrelation.TopKOverlap(estimated, truth, 4));
    }

    [Fact]
    public void TopKOverlap_should_take_the_largest_values_not_the_smallest()
    {
        Assert.Equal(1.0, RankCorrelation.TopKOverlap([1, 2, 3, 4, 5], [10, 20, 30, 40, 50], 2));
        Assert.Equal(0.0, RankCorrelation.TopKOverlap([5, 4, 3, 2, 1], [10, 20, 30, 40, 50], 2));
    }

    [Fact]
    public void TopKOverlap_should_share_the_kth_place_among_tied_values_whatever_their_order()
    {
        // Truth's top 1 is item 0; the estimate ties items 0 and 1 for first, so item 0 is in its top 1 half the time.
        Assert.Equal(0.5, RankCorrelation.TopKOverlap([7, 7, 1], [3, 2, 1], 1), Precision);
        Assert.Equal(0.5, RankCorrelation.TopKOverlap([7, 7, 1], [2, 3, 1], 1), Precision);
        // Top 2 of [9, 5, 5, 5]: item 0, and each 5 with probability 1/3; truth's top 2 is items 0 and 3.
        Assert.Equal((1 + 1.0 / 3) / 2, RankCorrelation.TopKOverlap([9, 5, 5, 5], [4, 1, 2, 3], 2), Precision);
    }

    [Fact]
    public void Every_measure_should_reject_a_value_that_is_not_a_finite_number_naming_its_item()
    {
        double[] withNaN = [1, double.NaN, 3];
        double[] finite = [1, 2, 3];

        Assert.Contains("item 1", Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTau(withNaN, finite)).Message);
        Assert.Throws<ArgumentException>(() => RankCorrelation.SpearmanRho(finite, [1, double.PositiveInfinity, 3]));
        Assert.Throws<ArgumentException>(() => RankCorrelation.TopKOverlap(withNaN, finite, 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void TopKOverlap_should_reject_k_outside_one_to_the_count(int k)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RankCorrelation.TopKOverlap([1, 2, 3, 4], [1, 2, 3, 4], k));
    }

    [Fact]
    public void Every_measure_should_reject_rankings_of_different_lengths_naming_them()
    {
        double[] three = [1, 2, 3];
        double[] four = [1, 2, 3, 4];

        Assert.Contains("3 and 4", Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTau(three, four)).Message);
        Assert.Throws<ArgumentException>(() => RankCorrelation.SpearmanRho(three, four));
        Assert.Throws<ArgumentException>(() => RankCorrelation.TopKOverlap(three, four, 1));
    }

    [Fact]
    public void Every_measure_should_reject_fewer_than_two_items()
    {
        Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTau([1], [1]));
        Assert.Throws<ArgumentException>(() => RankCorrelation.SpearmanRho([], []));
    }

    [Fact]
    public void Top_k_true_percentile_should_say_where_the_estimates_best_stand_in_the_truth()
    {
        double[] truth = [0.1, 0.2, 0.3, 0.4, 0.5];
        // The estimate's best is the truth's best (percentile 1), its second the truth's worst (0).
        double[] estimated = [4, 1, 2, 3, 5];
        Assert.Equal(1.0, RankCorrelation.TopKTruePercentile(estimated, truth, 1));
        Assert.Equal(0.5, RankCorrelation.TopKTruePercentile(estimated, truth, 2));
        Assert.Equal(0.5, RankCorrelation.TopKTruePercentile(estimated, truth, 5));
        // All tied: the expected percentile of a random pick, the mean.
        Assert.Equal(0.5, RankCorrelation.TopKTruePercentile([1, 1, 1, 1, 1], truth, 1), 12);
        // Two tied at the top, the worst and the best: 0.5 expected.
        Assert.Equal(0.5, RankCorrelation.TopKTruePercentile([9, 1, 2, 3, 9], truth, 1), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => RankCorrelation.TopKTruePercentile(estimated, truth, 6));
    }
}
