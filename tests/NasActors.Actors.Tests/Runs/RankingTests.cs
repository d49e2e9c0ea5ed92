using NasActors.Actors.Runs;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Tests.Runs;

/// <summary>A combined estimator's row, checked against ranks worked out by hand.</summary>
public sealed class RankingTests
{
    // Four cells, each its own function (no dead edge), in the order of their true accuracy.
    static readonly string[] Cells =
    [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    ];

    static readonly Dictionary<string, double> Truth = Cells.Select((c, i) => (c, 0.9 - 0.1 * i)).ToDictionary();

    [Fact]
    public void A_combination_should_rank_by_the_mean_of_its_members_ranks()
    {
        ScoredChild[] scored =
        [
            // Probes: the supernet orders them 1,0,3,2 (true best first: 0,1,2,3); the estimator 0,2,1,3 on scores of another scale.
            .. new[] { 0.70, 0.80, 0.50, 0.60 }.Select((s, i) => new ScoredChild("super", Cells[i], s, Probe: true)),
            .. new[] { 4000.0, 2000, 3000, 1000 }.Select((s, i) => new ScoredChild("zc", Cells[i], s, Probe: true)),
            // Searched: the supernet found cells 0 and 1, the estimator scored 1 and, for the combination, 0; cell 2 only the supernet.
            new ScoredChild("super", Cells[0], 0.75, Probe: false),
            new ScoredChild("super", Cells[1], 0.85, Probe: false),
            new ScoredChild("super", Cells[2], 0.95, Probe: false),
            new ScoredChild("zc", Cells[1], 10, Probe: false),
            new ScoredChild("zc", Cells[0], 30, Probe: false, ForCombination: true),
        ];
        var ranking = Ranking.Compute("s", ["super", "zc"], scored, Truth, 10, SearchSpaces.Get("nb201"),
                                      new Dictionary<string, string> { ["zc"] = "synflow" }, [new CombinationSpec("both", ["super", "zc"])]);

        Assert.Equal(["super", "zc", "both"], ranking.Strategies.Select(s => s.Strategy));
        var both = ranking.Strategies[2];
        Assert.True(both.IsScore);
        Assert.Equal(["super", "zc"], both.Combines!);
        // Mean ranks (4 = best) over the probes: cell 0 (3+4)/2, cell 1 (4+2)/2, cell 2 (1+3)/2, cell 3 (2+1)/2, that is
        // 3.5, 3, 2, 1.5: the truth's order, though each member alone gets one pair wrong.
        Assert.Equal(4, both.Probed);
        Assert.Equal(1.0, both.KendallTau!.Value, 12);
        Assert.Equal(1.0, both.Top1Percentile!.Value, 12);
        // The leaderboard holds the cells both scored, the one the estimator scored for the combination included: cell 0
        // ranks 1st of 2 under the estimator, 2nd under the supernet; cell 1 the other way round: a tie, broken by name.
        Assert.Equal([(Cells[1], 0.5), (Cells[0], 0.5)], both.Leaderboard.Select(c => (c.Architecture, c.Accuracy)));
        Assert.Equal(0.9, both.Leaderboard.Single(c => c.Architecture == Cells[0]).TrueAccuracy);
        // The estimator's own leaderboard keeps to what its evolution proposed.
        Assert.Equal([Cells[1]], ranking.Strategies[1].Leaderboard.Select(c => c.Architecture));
    }
}
