using NasActors.Search.Ranking;

namespace NasActors.Search.Tests.Ranking;

public sealed class RankingStabilityTests
{
    static readonly Dictionary<string, double> Truth = new() { ["a"] = 4, ["b"] = 3, ["c"] = 2, ["d"] = 1 };

    static CheckpointEstimates At(long step, params double[] scores) =>
        new(step, scores.Select((s, i) => (Key: ((char)('a' + i)).ToString(), s)).ToDictionary(p => p.Key, p => p.s));

    [Fact]
    public void A_ranking_that_settles_should_show_it_against_the_previous_checkpoint_the_truth_and_the_other_seed()
    {
        // Run 1 ranks backwards, then right, then right again; run 2 right at both its checkpoints.
        IReadOnlyList<CheckpointEstimates>[] runs =
        [
            [At(200, 4, 3, 2, 1), At(100, 1, 2, 3, 4), At(300, 8, 7, 6, 5)],
            [At(100, 4, 3, 2, 1), At(300, 4, 3, 1, 2)],
        ];

        var points = RankingStability.Of(runs, Truth, topK: 2);

        Assert.Equal([100L, 200, 300], points.Select(p => p.Step));
        Assert.Equal([2, 1, 2], points.Select(p => p.Runs));
        // Step 100: run 1 backwards (-1), run 2 right (1); nothing before it; the two runs disagree completely.
        Assert.Equal((0.0, double.NaN, double.NaN, -1.0), (points[0].TauVsTruth, points[0].TauVsPrevious, points[0].TopOverlapVsPrevious, points[0].TauBetweenRuns));
        // Step 200: only run 1, now right: its previous checkpoint was the reverse, and its top 2 changed entirely.
        Assert.Equal((1.0, -1.0, 0.0), (points[1].TauVsTruth, points[1].TauVsPrevious, points[1].TopOverlapVsPrevious));
        Assert.True(double.IsNaN(points[1].TauBetweenRuns));
        // Step 300: run 1 unchanged in order (tau 1 against 200); run 2 swapped its last two (tau 2/3 against truth and
        // against its step 100), keeping its top 2; between the runs, 2/3.
        Assert.Equal(5 / 6.0, points[2].TauVsTruth, 12);
        Assert.Equal(5 / 6.0, points[2].TauVsPrevious, 12);
        Assert.Equal(1.0, points[2].TopOverlapVsPrevious, 12);
        Assert.Equal(2 / 3.0, points[2].TauBetweenRuns, 12);
    }

    [Fact]
    public void Tau_should_compare_only_the_architectures_both_scored() =>
        Assert.Equal(1.0, RankingStability.Tau(new Dictionary<string, double> { ["a"] = 2, ["b"] = 1, ["x"] = 9 },
                                               new Dictionary<string, double> { ["a"] = 5, ["b"] = 3, ["y"] = 0 }), 12);
}
