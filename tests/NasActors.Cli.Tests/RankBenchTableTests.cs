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

    [Fact]
    public void SeedAgreement_should_average_the_Kendall_tau_of_every_two_seeds_on_the_architectures_both_scored()
    {
        RankBenchResult Seed(int seed, params (string Architecture, double Estimated)[] estimates) =>
            new("uniform", seed, 100, 0, 0, 0, 1, estimates.Select(e => (e.Architecture, e.Estimated, 0.0)).ToArray());
        var first = Seed(1, ("a", 0.1), ("b", 0.2), ("c", 0.3));
        var same = Seed(2, ("a", 0.5), ("b", 0.6), ("c", 0.7), ("d", 0.0));  // d: scored by one seed only, ignored
        var reversed = Seed(3, ("a", 0.3), ("b", 0.2), ("c", 0.1));

        Assert.Equal(1.0, RankBench.SeedAgreement([first, same])!.Value, 9);
        Assert.Equal(-1.0 / 3, RankBench.SeedAgreement([first, same, reversed])!.Value, 9);  // pairs: 1, -1, -1
        Assert.Null(RankBench.SeedAgreement([first]));
    }

    [Fact]
    public void Table_should_print_the_seed_agreement_column_and_a_dash_for_one_seed()
    {
        RankBenchResult Seed(string strategy, int seed, double b) =>
            new(strategy, seed, 100, 0.1, 0.1, 0, 1, [("a", 0.1, 0.5), ("b", b, 0.6)]);
        var text = RankBench.Table([Seed("uniform", 1, 0.2), Seed("uniform", 2, 0.0), Seed("pada", 1, 0.2)], ["uniform", "pada"], 0.5);

        var lines = text.ReplaceLineEndings("\n").Split('\n');
        Assert.Contains("seeds agree", lines[0]);
        Assert.Contains(" -1.000 ", lines.Single(l => l.StartsWith("uniform", StringComparison.Ordinal)));
        Assert.Contains(" - ", lines.Single(l => l.StartsWith("pada", StringComparison.Ordinal)));
    }
}

public sealed class RankBenchPlanTests
{
    static RankBenchPlan Plan(params string[] strategies) =>
        new(strategies, Steps: 1000, EqualCompute: true, Seeds: 1, GroundTruthPath: "/truth.csv", Dataset: "fashion-mnist", DataDirectory: null,
            ValidationSize: 1000, BatchSize: 64, Channels: 8, Cells: 1, ImageSize: 8, EvaluationImages: 1000, Threads: 1, LearningRate: 0.025,
            AlignWeight: 0.5);

    [Fact]
    public void A_strategy_named_with_the_align_suffix_should_run_its_sampler_with_MAGIC_A_alignment_at_the_plans_weight()
    {
        var spec = NasActors.Actors.Runs.SearchSpec.Parse(Plan("magic-t", "magic-t-align", "fair-align").SpecText(1), "plan");

        var aligned = spec.Strategies.Single(s => s.Id == "magic-t-align");
        Assert.Equal("magic-t", aligned.Sampler);
        Assert.Equal(0.5, aligned.CreateSampler(NasActors.Search.Spaces.Nb201Space.Instance, 1, 10, "plan").Alignment.Weight);
        Assert.False(spec.Strategies.Single(s => s.Id == "magic-t").CreateSampler(NasActors.Search.Spaces.Nb201Space.Instance, 1, 10, "plan").Alignment.Enabled);
        Assert.Equal(200, spec.Strategies.Single(s => s.Id == "fair-align").Steps);  // equal compute counts fair's 5 paths a step
    }

    [Fact]
    public void An_unaligned_strategy_should_keep_the_spec_line_it_had_so_that_finished_searches_are_still_reused()
    {
        Assert.Contains("    uniform { sampler = uniform, seed = 0, steps = 1000 }", Plan("uniform").SpecText(1).Split('\n'));
        Assert.Equal(("magic-t", false), RankBenchPlan.Parse("magic-t"));
        Assert.Equal(("uniform", true), RankBenchPlan.Parse("uniform-align"));
        Assert.False(RankBenchPlan.IsKnown("darts-align"));
        Assert.False(RankBenchPlan.IsKnown("-align"));
    }
}
