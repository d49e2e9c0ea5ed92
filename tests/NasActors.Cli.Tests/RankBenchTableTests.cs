using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
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
    public void Table_should_say_why_a_seed_is_left_out_rather_than_print_NaN()
    {
        var text = RankBench.Table([.. Results, new("uniform", 3, 100, double.NaN, double.NaN, 0.0, 11, [])], ["uniform"], 0.5);

        Assert.Contains("0.300 ± 0.141 (1 n/a)", text);
        Assert.Contains("n/a: undefined for a seed whose supernet scored every architecture alike", text);
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
    public void SeedMeanTau_should_rank_the_estimates_averaged_over_seeds_on_the_architectures_every_seed_scored()
    {
        RankBenchResult Seed(int seed, params (string Architecture, double Estimated)[] estimates) =>
            new("uniform", seed, 100, 0, 0, 0, 1, estimates.Select(e => (e.Architecture, e.Estimated, e.Architecture[0] - 'a' + 0.5)).ToArray());
        // Truth a < b < c. Each seed swaps a different neighbouring pair (tau 1/3 each); their mean orders all three.
        var first = Seed(1, ("a", 0.2), ("b", 0.1), ("c", 0.6));
        var second = Seed(2, ("a", 0.1), ("b", 0.5), ("c", 0.4), ("d", 0.9));  // d: scored by one seed only, ignored

        Assert.Equal(1.0, RankBench.SeedMeanTau([first, second])!.Value, 9);
        Assert.Null(RankBench.SeedMeanTau([first]));
        Assert.Contains(" 1.000 ", RankBench.Table([first, second], ["uniform"], 0.5).ReplaceLineEndings("\n").Split('\n')[1]);
    }

    [Fact]
    public void Score_should_rank_the_final_weights_only_not_the_probes_of_earlier_checkpoints()
    {
        static ExportedEvaluation Probe(string architecture, double accuracy, long? step = null) =>
            new($"uniform/{architecture}@{step}", "uniform", architecture, GroundTruthProbe: true, accuracy, null, step);
        const string a = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";
        const string b = "|nor_conv_1x1~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";
        const string c = "|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";
        var truth = new Dictionary<string, double> { [a] = 0.6, [b] = 0.7, [c] = 0.8 };
        // Final weights rank a < b < c as the truth does; the half-trained checkpoint ranks them in reverse.
        var export = new SearchExport(
            new SearchStatus("s", "s", RunPhase.Completed, [new StrategyStatus("uniform", "uniform", 100, 100, true, null, 0, 0, 0, 0, null, null, TrainingSeconds: 7)]),
            new SearchRanking("s", []), "",
            [Probe(a, 0.9, step: 50), Probe(b, 0.8, step: 50), Probe(c, 0.7, step: 50), Probe(a, 0.1), Probe(b, 0.2), Probe(c, 0.3)]);

        var result = RankBench.Score(export, "uniform", 1, 100, truth);

        Assert.Equal(1.0, result.KendallTau, 9);
        Assert.Equal([0.1, 0.2, 0.3], result.Estimates.Select(e => e.Estimated));
        Assert.True(RankBench.ScoresEvery(export, ["uniform"], truth.Keys));
        Assert.False(RankBench.ScoresEvery(export with { Evaluations = export.Evaluations.Where(e => e.ProbeStep is not null).ToArray() }, ["uniform"], truth.Keys));
    }

    [Fact]
    public void Score_should_rank_within_groups_of_equal_live_convolutions_as_well_as_overall()
    {
        // Two cells of no convolution and two of six: the estimate puts the convolution-free ones first (backwards
        // overall) but orders each pair as the truth does.
        const string noConv1 = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";
        const string noConv2 = "|avg_pool_3x3~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";
        const string sixConv1 = "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|";
        const string sixConv2 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
        var truth = new Dictionary<string, double> { [noConv1] = 0.70, [noConv2] = 0.72, [sixConv1] = 0.85, [sixConv2] = 0.88 };
        var estimates = new Dictionary<string, double> { [noConv1] = 0.50, [noConv2] = 0.55, [sixConv1] = 0.20, [sixConv2] = 0.30 };
        var export = new SearchExport(
            new SearchStatus("s", "s", RunPhase.Completed, [new StrategyStatus("uniform", "uniform", 100, 100, true, null, 0, 0, 0, 0, null, null)]),
            new SearchRanking("s", []), "",
            estimates.Select(e => new ExportedEvaluation($"uniform/{e.Key}", "uniform", e.Key, GroundTruthProbe: true, e.Value, null)).ToArray());

        var result = RankBench.Score(export, "uniform", 1, 100, truth);

        Assert.True(result.KendallTau < 0);
        Assert.Equal(1.0, result.WithinConvolutionsTau, 9);
        Assert.Contains("within convs", RankBench.Table([result], ["uniform"], 0.5));
        Assert.EndsWith(",1,0.3333,0.5", RankBench.Csv([result]).TrimEnd().Split('\n')[1]);  // within convs, then top-1 and top-5 percentiles
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
        Assert.Equal(("magic-t", false), (RankBenchPlan.Parse("magic-t").Sampler, RankBenchPlan.Parse("magic-t").Aligned));
        Assert.Equal(("uniform", true), (RankBenchPlan.Parse("uniform-align").Sampler, RankBenchPlan.Parse("uniform-align").Aligned));
        Assert.False(RankBenchPlan.IsKnown("darts-align"));
        Assert.False(RankBenchPlan.IsKnown("-align"));
    }

    [Fact]
    public void A_strategy_with_settings_should_get_an_id_hocon_reads_and_its_settings_in_the_spec()
    {
        var plan = Plan("uniform/deiso=on/conv-weight=2.5/fine-tune=20") with { Estimators = ["params", "naswot", "short-training", "short-training/cells=2/steps=40"], TableCells = 5 };
        var lines = plan.SpecText(1).Split('\n');
        Assert.Contains("    uniform-deiso-on-conv-weight-2p5-fine-tune-20 { sampler = uniform, seed = 0, steps = 1000, deiso = on, conv-weight = 2.5, fine-tune = 20 }", lines);
        Assert.Contains("    naswot { estimator = naswot, seed = 0, channels = 8, cells = 5 }", lines);
        // Short training's children are shaped like the supernet (1 cell here), and an estimator's own cells replace either.
        Assert.Contains("    short-training { estimator = short-training, seed = 0, channels = 8, cells = 1 }", lines);
        Assert.Contains("    short-training-cells-2-steps-40 { estimator = short-training, seed = 0, channels = 8, cells = 2, steps = 40 }", lines);
        var spec = NasActors.Actors.Runs.SearchSpec.Parse(plan.SpecText(1), "plan");
        Assert.Equal(["naswot", "params", "short-training", "short-training-cells-2-steps-40", "uniform-deiso-on-conv-weight-2p5-fine-tune-20"], spec.Strategies.Select(s => s.Id));
        var error = Assert.Throws<NasActors.Search.NasException>(() => RankBenchPlan.Parse("uniform/deiso"));
        Assert.Contains("'deiso' must look like SETTING=VALUE", error.Message);
    }

    [Fact]
    public void The_combined_estimator_should_be_the_mean_of_the_supernets_rank_and_the_zero_cost_votes()
    {
        string[] architectures = ["a", "b", "c", "d"];
        double[] truth = [1, 2, 3, 4];
        RankBenchResult Result(string strategy, params double[] estimates) => new(strategy, 1, 0, 0, 0, 0, 0,
            architectures.Select((a, i) => (a, estimates[i], truth[i])).ToArray());
        // Architecture names are not NB201 strings: only the combined rule is under test, built by hand.
        var supernet = Result("uniform", 4, 3, 2, 1);                 // ranks 4 3 2 1
        var sameSeed = new[] { supernet, Result("synflow", 1, 2, 3, 4), Result("jacob-cov", 1, 2, 4, 3), Result("snip", 2, 1, 3, 4) };
        var combined = RankBench.CombinedEstimates(supernet, sameSeed)!;
        // Vote sums 4, 5, 10, 11 -> ranks 1 2 3 4; the mean with the supernet's ranks is 2.5 for every architecture.
        Assert.Equal([2.5, 2.5, 2.5, 2.5], combined.Select(e => e.Estimated));
        Assert.Null(RankBench.CombinedEstimates(supernet, sameSeed.Take(3).ToArray()));
    }

    [Fact]
    public void The_supernet_combined_with_short_training_should_be_the_mean_of_their_ranks()
    {
        string[] architectures =
        [
            "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
            "|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
            "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
        ];
        RankBenchResult Result(string strategy, double seconds, params double[] estimates) => new(strategy, 1, 2000, 0, 0, 0, seconds,
            architectures.Select((a, i) => (a, estimates[i], (double)i)).ToArray());
        var supernet = Result("uniform", 100, 0.80, 0.81, 0.82, 0.83);     // ranks 1 2 3 4
        var shortTraining = Result("short-training", 30, 0.71, 0.70, 0.74, 0.73);  // ranks 2 1 4 3

        var combined = RankBench.CombinedWithShortTraining(supernet, [supernet, Result("params", 1, 4, 3, 2, 1), shortTraining])!;

        Assert.Equal("uniform+st", combined.Strategy);
        Assert.Equal([1.5, 1.5, 3.5, 3.5], combined.Estimates.Select(e => e.Estimated));
        Assert.Equal(130, combined.TrainingSeconds);  // what the combination cost: both
        Assert.Null(RankBench.CombinedWithShortTraining(supernet, [supernet]));
    }
}
