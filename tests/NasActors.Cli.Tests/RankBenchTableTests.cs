using NasActors.Cli.Bench;
using NasActors.Search.GroundTruth;

namespace NasActors.Cli.Tests;

public sealed class RankBenchTableTests
{
    static readonly RankBenchResult[] Results =
    [
        new("uniform", 1, 100, 0.2, 0.3, 0.0, 10, []),
        new("uniform", 2, 100, 0.4, 0.5, 0.0, 12, []),
    ];

    [Fact]
    public void Table_should_give_the_mean_and_spread_over_seeds_and_the_seed_to_seed_ceiling()
    {
        var text = RankBench.Table(Results, ["uniform"], 0.5623);

        Assert.Contains("uniform", text);
        Assert.Contains("0.300", text);
        Assert.EndsWith("ceiling: the ground truth's own seed-to-seed Kendall tau is 0.562", text);
    }

    [Fact]
    public void Table_should_add_the_split_half_ceiling_when_the_table_has_four_seeds()
    {
        var text = RankBench.Table(Results, ["uniform"], 0.5623, new SplitHalfAgreement(0.6789, 2, 60));

        Assert.EndsWith("seed-to-seed Kendall tau is 0.562; means of 2 seeds against means of 2 others: 0.679", text);
    }

    [Fact]
    public void Table_should_print_the_parameter_count_baseline_before_the_ceiling()
    {
        var text = RankBench.Table(Results, ["uniform"], 0.5623, parameterCountTau: 0.4213);

        Assert.Contains("baseline: parameter count as the estimate (no training) has Kendall tau 0.421\nceiling:", text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Table_should_say_why_the_parameter_count_baseline_is_undefined_rather_than_print_NaN()
    {
        var text = RankBench.Table(Results, ["uniform"], 0.5623, parameterCountTau: double.NaN);

        Assert.Contains("baseline: parameter count as the estimate (no training) is undefined: every architecture has as many parameters", text);
        Assert.DoesNotContain("NaN", text);
    }
}
