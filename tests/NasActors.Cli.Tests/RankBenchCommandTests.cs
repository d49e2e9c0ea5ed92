using System.Xml.Linq;

namespace NasActors.Cli.Tests;

public sealed class RankBenchCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();
    readonly string _truth;
    readonly string _data;

    public RankBenchCommandTests()
    {
        TinySearch.Write(_temp);
        _truth = _temp.File("truth.csv");
        _data = _temp.File("data");
    }

    public void Dispose() => _temp.Dispose();

    string[] Command(string strategies, params string[] extra) =>
    [
        "rankbench", "--groundtruth", _truth, "--strategies", strategies, "--steps", "10", "--seeds", "2", "--data-dir", _data,
        "--validation-size", "100", "--batch-size", "32", "--evaluation-images", "100", "--state-dir", _temp.File("state"), "--out", _temp.File("out"),
        // The strategies are under test here; estimators only where a test names them.
        .. extra.Contains("--estimators") ? extra : [.. extra, "--estimators", "none"],
    ];

    [Fact]
    public async Task Rankbench_should_say_how_each_gradient_matched_few_shot_supernet_grouped_its_split_edge()
    {
        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(3), Command("fewshot,fewshot-gm"));

        NasAssert.Succeeded(run);
        var lines = run.StdoutLines.Where(l => l.Contains(" split 3<-0 into ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, lines.Length);  // one a seed; fewshot, one sub-supernet per operation, has nothing to say
        foreach (var (line, seed) in lines.Select((l, i) => (l, i + 1)))
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, $@"^seed {seed}: fewshot-gm split 3<-0 into \{{([a-z0-9_, ]+)\}} \{{([a-z0-9_, ]+)\}}$");
            Assert.True(match.Success, line);
            var groups = new[] { match.Groups[1].Value, match.Groups[2].Value }.Select(g => g.Split(", ")).ToArray();
            Assert.Equal([2, 3], groups.Select(g => g.Length).Order());  // balanced, as GM-NAS splits NAS-Bench-201's five operations
            Assert.Equal(["avg_pool_3x3", "none", "nor_conv_1x1", "nor_conv_3x3", "skip_connect"], groups.SelectMany(g => g).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Rankbench_with_stability_should_score_every_checkpoint_and_compare_it_with_the_previous_one_and_the_other_seed()
    {
        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(3), Command("uniform", "--stability"));

        NasAssert.Succeeded(run);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("stability (means over seeds): Kendall tau against the truth", StringComparison.Ordinal));
        // 10 steps, a checkpoint every 2: five checkpoints, each scored by both seeds.
        var rows = File.ReadAllLines(_temp.File("out/stability.csv"));
        Assert.Equal("strategy,step,seeds,tau_vs_truth,tau_vs_previous,top_overlap_vs_previous,tau_between_seeds", rows[0]);
        var cells = rows.Skip(1).Select(r => r.Split(',')).ToArray();
        Assert.Equal(["2", "4", "6", "8", "10"], cells.Select(c => c[1]));
        Assert.All(cells, c => Assert.Equal(("uniform", "2"), (c[0], c[2])));
        Assert.Equal("", cells[0][4]);  // nothing before the first checkpoint
        Assert.All(cells.Skip(1), c => Assert.InRange(double.Parse(c[4], System.Globalization.CultureInfo.InvariantCulture), -1, 1));
        Assert.All(cells, c => Assert.InRange(double.Parse(c[6], System.Globalization.CultureInfo.InvariantCulture), -1, 1));
        Assert.Contains("<svg", File.ReadAllText(_temp.File("out/stability.svg")));
    }

    [Fact]
    public async Task Rankbench_should_rank_every_strategy_over_seeds_write_csv_and_svg_and_reuse_finished_searches()
    {
        const string strategies = "uniform,fair,magic-t,sandwich,fewshot,pada";
        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(4), Command(strategies));

        NasAssert.Succeeded(run);
        // Equal compute: fair trains 5 paths per step and sandwich 4, so they get 2 and 3 of the 10 path-steps' steps.
        Assert.Contains("uniform 10 steps, fair 2 steps, magic-t 10 steps, sandwich 3 steps, fewshot 10 steps, pada 10 steps; supernets of 1 cells a stage), 0 estimators, 6 trainers, ", run.StdoutLines[0]);
        Assert.Contains(" evaluators on cpu; state in ", run.StdoutLines[0]);
        foreach (var strategy in strategies.Split(','))
            Assert.Contains(run.StdoutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l,
                $@"^{strategy} +\d+ +-?\d\.\d{{3}} ± \d\.\d{{3}} +(-?\d\.\d{{3}} ± (\d\.\d{{3}}|-)( \(\d n/a\))?|n/a) +-?\d\.\d{{3}} ± \d\.\d{{3}} +\d\.\d{{3}} ± \d\.\d{{3}} +\d\.\d{{3}} ± \d\.\d{{3}} +\d\.\d{{3}} ± \d\.\d{{3}} +(-?\d\.\d{{3}}|-) +(-?\d\.\d{{3}}|-) +\d+ +2$"));
        Assert.Contains(run.StdoutLines, l => l == "baseline: parameter count as the estimate (no training) is undefined: every architecture has as many parameters");  // the tiny table's all have 1
        Assert.Contains(run.StdoutLines, l => l.StartsWith("ceiling: the ground truth's own seed-to-seed Kendall tau is", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("seed 1 of 2 scored: ", StringComparison.Ordinal) && l.EndsWith("rankbench.csv holds the seeds so far", StringComparison.Ordinal));

        var rows = File.ReadAllLines(_temp.File("out/rankbench.csv"));
        Assert.Equal("strategy,seed,steps,kendall_tau,spearman_rho,top10_overlap,training_seconds,kendall_tau_within_convolutions,top1_percentile,top5_percentile", rows[0]);
        Assert.Equal(12, rows.Length - 1);
        var estimates = File.ReadAllLines(_temp.File("out/estimates.csv"));
        Assert.Equal(1 + 6 * 2 * 3, estimates.Length);  // every strategy and seed scored all 3 architectures
        // Seeds are independent runs: another initialisation, path sequence and data order give other estimates.
        string[] Estimates(string strategy, string seed) =>
            estimates.Select(l => l.Split(',')).Where(f => f[0] == strategy && f[1] == seed).Select(f => f[3]).ToArray();
        Assert.NotEqual(Estimates("uniform", "1"), Estimates("uniform", "2"));
        var svg = XDocument.Load(_temp.File("out/rankbench.svg"));
        var titles = svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToArray();
        Assert.All(strategies.Split(','), s => Assert.Contains(titles, t => t.StartsWith($"{s}: tau", StringComparison.Ordinal)));
        Assert.Equal(6 * 2 * 3, svg.Descendants().Count(e => e.Name.LocalName == "circle" && e.Attribute("r")?.Value == "2.5"));

        var again = await NasProcess.RunAsync(TimeSpan.FromMinutes(2), Command(strategies));
        NasAssert.Succeeded(again);
        Assert.Equal(2, again.StdoutLines.Count(l => l.Contains("reusing finished search")));
        Assert.Equal(rows, File.ReadAllLines(_temp.File("out/rankbench.csv")));  // the journal's results, not new ones

        // A table of the same architectures with other accuracies (one trained longer, say) re-scores the same supernets:
        // here the truth's order is reversed, so every Kendall tau changes sign and no estimate changes.
        var reversed = _temp.File("truth-reversed.csv");
        File.WriteAllLines(reversed, File.ReadAllLines(_truth)
            .Select(l => l.Replace(",1,0.91,0.91,", ",1,x,x,").Replace(",1,0.7,0.7,", ",1,0.91,0.91,").Replace(",1,x,x,", ",1,0.7,0.7,")));
        var rescored = await NasProcess.RunAsync(TimeSpan.FromMinutes(2), Command(strategies).Select(a => a == _truth ? reversed : a).ToArray());
        NasAssert.Succeeded(rescored);
        Assert.Equal(2, rescored.StdoutLines.Count(l => l.Contains("re-scoring finished search")));
        double Tau(string row) => double.Parse(row.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture);
        var rescoredRows = File.ReadAllLines(_temp.File("out/rankbench.csv"));
        Assert.Equal(rows.Skip(1).Select(r => -Tau(r)), rescoredRows.Skip(1).Select(Tau));
        Assert.Equal(estimates.Select(l => l.Split(',')[3]), File.ReadAllLines(_temp.File("out/estimates.csv")).Select(l => l.Split(',')[3]));
    }

    [Fact]
    public async Task Rankbench_should_reuse_finished_searches_whose_strategies_were_listed_in_another_order()
    {
        NasAssert.Succeeded(await NasProcess.RunAsync(TimeSpan.FromMinutes(2), Command("uniform,magic-t")));
        var first = File.ReadAllLines(_temp.File("out/estimates.csv"));

        var reordered = await NasProcess.RunAsync(TimeSpan.FromMinutes(2), Command("magic-t,uniform"));

        NasAssert.Succeeded(reordered);
        Assert.Equal(2, reordered.StdoutLines.Count(l => l.Contains("reusing finished search")));
        Assert.Equal(first.Order(), File.ReadAllLines(_temp.File("out/estimates.csv")).Order());
    }

    [Fact]
    public async Task Rankbench_should_pause_an_unfinished_search_of_another_spec_in_its_state_directory_rather_than_train_it()
    {
        // A long search journaled in the benchmark's state directory: a node continues it unless told otherwise.
        var spec = _temp.File("long.conf");
        File.WriteAllText(spec, File.ReadAllText(TinySearch.Write(_temp)).Replace("steps = 10,", "steps = 1000000,"));
        var started = await NasProcess.RunAsync("search", "start", "--spec", spec, "--state-dir", _temp.File("state"));
        NasAssert.Succeeded(started);
        var searchId = started.StdoutLines[^1].Trim();

        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(2), Command("uniform"));

        NasAssert.Succeeded(run);
        Assert.Contains(run.StdoutLines, l => l.StartsWith($"pausing search {searchId} (tiny): this benchmark does not use it", StringComparison.Ordinal));
        var list = await NasProcess.RunAsync("search", "list", "--state-dir", _temp.File("state"));
        Assert.Contains(list.StdoutLines, l => l.Contains(searchId) && l.Contains("paused", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_unknown_strategy_should_be_refused_before_anything_trains()
    {
        var run = await NasProcess.RunAsync(Command("uniform,darts,darts-align"));
        NasAssert.UsageError(run, "darts, darts-align", "--strategies", "magic-t", "NAME-align");
        Assert.False(Directory.Exists(_temp.File("state")));
    }

    [Fact]
    public async Task Rankbench_should_benchmark_a_strategy_with_MAGIC_A_alignment_beside_the_same_sampler_without_it()
    {
        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(3), Command("magic-t,magic-t-align", "--align-weight", "0.5"));

        NasAssert.Succeeded(run);
        foreach (var strategy in new[] { "magic-t", "magic-t-align" })
            Assert.Contains(run.StdoutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{strategy} +10 +-?\d\.\d{{3}} ± "));
        Assert.Equal(1 + 2 * 2 * 3, File.ReadAllLines(_temp.File("out/estimates.csv")).Length);
        // The journaled spec is what the trainer reads: the aligned strategy runs magic-t with the alignment loss on.
        var searchId = run.StdoutLines.First(l => l.StartsWith("seed 1: search ", StringComparison.Ordinal)).Split(' ')[3];
        NasAssert.Succeeded(await NasProcess.RunAsync("search", "export", searchId, "--out", _temp.File("export.json"), "--state-dir", _temp.File("state")));
        var spec = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_temp.File("export.json"))).RootElement.GetProperty("Spec").GetString()!;
        Assert.Contains("magic-t-align { sampler = magic-t, seed = 0, steps = 10, align = 0.5 }", spec);
        Assert.Contains("magic-t { sampler = magic-t, seed = 0, steps = 10 }", spec);
    }

    [Theory]
    [InlineData("magic-t-align", "--align-weight", "0", "(0, 100]")]
    [InlineData("uniform", "--device", "cuda:9", "device 'cuda:9'")]
    [InlineData("uniform", "--learning-rate", "0", "(0, 10]")]
    [InlineData("uniform", "--evaluators", "0", "positive")]
    public async Task A_setting_out_of_range_should_be_refused_before_anything_trains(string strategies, string option, string value, string mention)
    {
        var run = await NasProcess.RunAsync(Command(strategies, option, value));
        NasAssert.UsageError(run, option, mention);
        Assert.False(Directory.Exists(_temp.File("state")));
    }

    [Fact]
    public async Task More_evaluation_images_than_the_validation_split_holds_should_be_refused_before_anything_trains()
    {
        var command = Command("uniform");
        command[Array.IndexOf(command, "--validation-size") + 1] = "50";
        command[Array.IndexOf(command, "--evaluation-images") + 1] = "80";
        var run = await NasProcess.RunAsync(command);
        NasAssert.UsageError(run, "--evaluation-images 80", "--validation-size 50");
        Assert.False(Directory.Exists(_temp.File("state")));
    }

    [Fact]
    public async Task A_ground_truth_with_a_missing_column_should_be_refused_naming_it()
    {
        var lines = File.ReadAllLines(_truth);
        File.WriteAllLines(_truth, lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 3))));
        var run = await NasProcess.RunAsync(Command("uniform"));
        NasAssert.UsageError(run, "test_accuracy", "truth.csv");
    }

    [Fact]
    public async Task A_ground_truth_with_an_unknown_architecture_should_be_refused_naming_the_row()
    {
        var lines = File.ReadAllLines(_truth);
        lines[3] = lines[3].Replace("nor_conv_1x1", "sep_conv_5x5");
        File.WriteAllLines(_truth, lines);
        var run = await NasProcess.RunAsync(Command("uniform"));
        NasAssert.UsageError(run, "truth.csv:4", "sep_conv_5x5");
    }

    [Fact]
    public async Task Rankbench_should_score_zero_cost_estimators_and_the_combined_estimator_in_the_same_table()
    {
        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(3),
            Command("uniform/deiso=on/conv-weight=2", "--estimators", "params,synflow,jacob-cov,snip,short-training/steps=2/batch-size=16", "--supernet-cells", "1", "--truth", "validation"));

        NasAssert.Succeeded(run);
        Assert.Contains("5 estimators", run.StdoutLines[0]);
        foreach (var row in new[] { "uniform/deiso=on/conv-weight=2 ", "uniform/deiso=on/conv-weight=2+zc ", "params ", "synflow ", "jacob-cov ", "snip ", "short-training/steps=2/batch-size=16 " })
            Assert.Contains(run.StdoutLines, l => l.StartsWith(row, StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("STRATEGY+zc: the mean of the supernet's rank and the zero-cost vote's", StringComparison.Ordinal));
        var csv = File.ReadAllLines(_temp.File("out/rankbench.csv"));
        // 2 seeds x (1 strategy + its combination + 5 estimators); estimators cost their scoring time, not training.
        Assert.Equal(1 + 2 * 7, csv.Length);
        var paramsRows = csv.Skip(1).Where(l => l.StartsWith("params,", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, paramsRows.Length);  // one per seed
        Assert.All(paramsRows, l => Assert.Equal("0", l.Split(',')[2]));
    }

    [Fact]
    public async Task Rankbench_should_refuse_an_unknown_estimator_and_a_supernet_of_no_cells()
    {
        NasAssert.UsageError(await NasProcess.RunAsync(TimeSpan.FromMinutes(1), Command("uniform", "--estimators", "params,nosuch")),
                             "unknown estimator 'nosuch' in --estimators", "synflow");
        NasAssert.UsageError(await NasProcess.RunAsync(TimeSpan.FromMinutes(1), Command("uniform", "--supernet-cells", "0", "--estimators", "none")),
                             "--supernet-cells");
        NasAssert.UsageError(await NasProcess.RunAsync(TimeSpan.FromMinutes(1), Command("uniform/deiso=sometimes", "--estimators", "none")),
                             "deiso = sometimes is invalid");
        Assert.False(Directory.Exists(_temp.File("out")));
    }
}

public sealed class InterferenceCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Interference_should_print_a_row_per_strategy_and_distance_and_write_csv_and_svg()
    {
        TinySearch.Write(_temp);
        var run = await NasProcess.RunAsync(TimeSpan.FromMinutes(2), "interference", "--groundtruth", _temp.File("truth.csv"), "--strategies", "uniform,magic-t",
            "--steps", "6", "--pairs", "3", "--data-dir", _temp.File("data"), "--validation-size", "100", "--batch-size", "32", "--threads", "1", "--out", _temp.File("out"));

        NasAssert.Succeeded(run);
        foreach (var strategy in new[] { "uniform", "magic-t" })
            for (var k = 1; k <= 5; k++)
                Assert.Contains(run.StdoutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{strategy} +{k} +3 +-?\d\.\d{{3}} +\d\.\d{{3}}$"));
        Assert.Equal(11, File.ReadAllLines(_temp.File("out/interference.csv")).Length);
        var svg = System.Xml.Linq.XDocument.Load(_temp.File("out/interference.svg"));
        Assert.Equal(2, svg.Descendants().Count(e => e.Name.LocalName == "polyline"));
    }

    [Fact]
    public async Task A_weightless_operation_should_be_refused()
    {
        TinySearch.Write(_temp);
        var run = await NasProcess.RunAsync("interference", "--groundtruth", _temp.File("truth.csv"), "--operation", "skip_connect");
        NasAssert.UsageError(run, "--operation", "skip_connect", "nor_conv_3x3");
    }

}
