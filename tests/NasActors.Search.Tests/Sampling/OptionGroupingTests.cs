using NasActors.Search.Sampling;

namespace NasActors.Search.Tests.Sampling;

public sealed class OptionGroupingTests
{
    /// <summary>Distances of 0.1 inside <paramref name="clusters"/>, 0.9 across them.</summary>
    static double[,] Clustered(int options, params int[][] clusters)
    {
        var clusterOf = new int[options];
        for (var c = 0; c < clusters.Length; c++)
            foreach (var option in clusters[c]) clusterOf[option] = c;
        var distance = new double[options, options];
        for (var i = 0; i < options; i++)
            for (var j = 0; j < options; j++)
                distance[i, j] = i == j ? 0 : clusterOf[i] == clusterOf[j] ? 0.1 : 0.9;
        return distance;
    }

    [Fact]
    public void Options_whose_gradients_agree_should_share_a_group()
    {
        var groups = OptionGrouping.LeastWithinGroupDistance(Clustered(5, [0, 3], [1, 2, 4]), 2);
        Assert.Equal([0, 1, 1, 0, 1], groups);
    }

    [Fact]
    public void Groups_should_stay_balanced_even_when_one_cluster_holds_most_options()
    {
        // Four alike and one apart: the cheapest split into two would be 4 + 1; balanced, it is 3 + 2 with the odd
        // one out among the two.
        var groups = OptionGrouping.LeastWithinGroupDistance(Clustered(5, [0, 1, 2, 3], [4]), 2);
        Assert.Equal([2, 3], groups.GroupBy(g => g).Select(g => g.Count()).Order());
        Assert.Equal(2, groups.Count(g => g == groups[4]));
        Assert.Equal([0, 0, 1, 1, 2], OptionGrouping.LeastWithinGroupDistance(Clustered(5, [0, 1], [2, 3], [4]), 3));
    }

    [Fact]
    public void One_group_per_option_should_be_the_identity()
    {
        Assert.Equal([0, 1, 2, 3, 4], OptionGrouping.LeastWithinGroupDistance(Clustered(5, [0, 1, 2, 3, 4]), 5));
        Assert.Equal([0, 0, 0], OptionGrouping.LeastWithinGroupDistance(Clustered(3, [0], [1], [2]), 1));
    }

    [Fact]
    public void A_non_finite_distance_should_be_refused()
    {
        var distance = Clustered(5, [0, 1], [2, 3, 4]);
        distance[1, 2] = distance[2, 1] = double.NaN;
        var error = Assert.Throws<ArgumentException>(() => OptionGrouping.LeastWithinGroupDistance(distance, 2));
        Assert.Contains("finite", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OptionGrouping.LeastWithinGroupDistance(Clustered(5, [0]), 6));
    }
}
