using System.Globalization;
using System.Text;
using NasActors.Actors.Protocol;
using NasActors.Search;
using NasActors.Search.GroundTruth;
using NasActors.Search.Ranking;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Estimators;

namespace NasActors.Cli.Bench;

/// <summary>What a ranking-consistency benchmark compares: strategies, the budget each gets, seeds and data, with the
/// supernet shaped like the ground truth's child models (or shallower: <see cref="Cells"/> against
/// <see cref="TableCells"/>), and estimators scored in the same runs. A strategy is written
/// <c>SAMPLER[-align][/SETTING=VALUE...]</c>: <c>-align</c> adds MAGIC-A's alignment at <see cref="AlignWeight"/>
/// (<c>magic-t-align</c> is the paper's MAGIC-AT), and each <c>/SETTING=VALUE</c> is a setting of the sampler
/// (<c>uniform/deiso=on/conv-weight=2</c>).</summary>
public sealed record RankBenchPlan(
    IReadOnlyList<string> Strategies, int Steps, bool EqualCompute, int Seeds, string GroundTruthPath, string Dataset, string? DataDirectory,
    int ValidationSize, int BatchSize, int Channels, int Cells, int ImageSize, int EvaluationImages, int Threads, double LearningRate,
    double AlignWeight = 1)
{
    public const string AlignedSuffix = "-align";

    /// <summary>Estimators scored beside the strategies, on children shaped like the table's unless their settings say
    /// otherwise; written <c>NAME[/SETTING=VALUE...]</c> like a strategy.</summary>
    public IReadOnlyList<string> Estimators { get; init; } = [];

    /// <summary>With <c>--stability</c>: every checkpoint (four a run) scores the ground truth, not only the final weights.</summary>
    public bool Stability { get; init; }

    /// <summary>The table's cells per stage (the children estimators score); the supernet's is <see cref="Cells"/>.</summary>
    public int TableCells { get; init; } = Cells;

    /// <summary>The sampler a strategy of the benchmark runs, whether MAGIC-A's alignment is on, and its settings.</summary>
    public static (string Sampler, bool Aligned, IReadOnlyList<(string Key, string Value)> Settings) Parse(string strategy)
    {
        var parts = strategy.Split('/');
        var settings = parts.Skip(1).Select(part => part.Split('=', 2) is [var key, var value] && key.Length > 0 && value.Length > 0
            ? (key, value)
            : throw new NasException($"strategy '{strategy}': '{part}' must look like SETTING=VALUE, e.g. uniform/deiso=on/conv-weight=2")).ToArray();
        var name = parts[0];
        return name.EndsWith(AlignedSuffix, StringComparison.Ordinal) && Samplers.IsKnown(name[..^AlignedSuffix.Length])
            ? (name[..^AlignedSuffix.Length], true, settings)
            : (name, false, settings);
    }

    public static bool IsKnown(string strategy) => Samplers.IsKnown(Parse(strategy).Sampler);

    /// <summary>The strategy's id in the spec: its name with every character HOCON would read as syntax made a dash.</summary>
    public static string IdOf(string strategy) =>
        new(strategy.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : c == '.' ? 'p' : '-').ToArray());

    /// <summary>Optimizer steps of one strategy: with equal compute, a strategy that trains m paths per step gets 1/m
    /// of the steps, so every strategy trains as many path-batches (alignment's anchor passes are not counted).</summary>
    public int StepsOf(string strategy)
    {
        if (!EqualCompute) return Steps;
        var pathsPerStep = Samplers.Create(Parse(strategy).Sampler, Nb201Space.Instance, 0).PathsPerStep;
        return Math.Max(1, (Steps + pathsPerStep - 1) / pathsPerStep);
    }

    public string SearchName(int seed) => $"rankbench-seed{seed}";

    /// <summary>The search spec of one seed: every strategy in one run (so they train concurrently), evolution at its
    /// minimum, and every architecture of the ground truth scored with inherited weights (by estimators: on fresh children).</summary>
    public string SpecText(int seed)
    {
        // Strategy seed 0: the run's seed alone then sets every strategy's supernet initialisation (the same for all, so
        // they start from one point) and, mixed with the strategy's id, its sampler and data order.
        var strategies = string.Join("\n", Strategies.Select(s =>
        {
            var (sampler, aligned, settings) = Parse(s);
            var extra = string.Concat(settings.Select(kv => $", {kv.Key} = {kv.Value}")) + (aligned ? Invariant($", align = {AlignWeight}") : "");
            return Invariant($"    {IdOf(s)} {{ sampler = {sampler}, seed = 0, steps = {StepsOf(s)}{extra} }}");
        }).Concat(Estimators.Select(e =>
        {
            // Zero-cost estimators score children shaped like the table's; short training trains children shaped like the
            // supernet, so that it and fine-tuned supernets train the same networks as many steps. Their own settings
            // override either (short-training/cells=5).
            var (name, _, settings) = Parse(e);
            var cells = name == ShortTraining.Name ? Cells : TableCells;
            var shape = new[] { ("channels", Channels.ToString(CultureInfo.InvariantCulture)), ("cells", cells.ToString(CultureInfo.InvariantCulture)) }
                .Where(d => settings.All(kv => kv.Key != d.Item1));
            var entries = string.Concat(shape.Concat(settings).Select(kv => $", {kv.Item1} = {kv.Item2}"));
            return Invariant($"    {IdOf(e)} {{ estimator = {name}, seed = 0{entries} }}");
        })));
        var checkpointEvery = Math.Max(1, Steps / 4);
        var dataDirectory = DataDirectory is null ? "" : $", data-dir = \"{DataDirectory.Replace("\\", "/")}\"";
        return Invariant($$"""
            # nas rankbench, seed {{seed}}
            search {
              name = {{SearchName(seed)}}
              space = nb201
              seed = {{seed}}
              data { dataset = {{Dataset}}{{dataDirectory}}, image-size = {{ImageSize}}, validation-size = {{ValidationSize}}, evaluation-images = {{EvaluationImages}} }
              supernet { channels = {{Channels}}, cells = {{Cells}} }
              training { steps = {{Steps}}, batch-size = {{BatchSize}}, checkpoint-every = {{checkpointEvery}}, learning-rate = {{LearningRate}}, threads = {{Threads}} }
              strategies {
            {{strategies}}
              }
              evolution { population = 2, sample-size = 1, budget = 2, crossover = 0 }{{(Stability ? "\n  evaluation { probe-checkpoints = on }" : "")}}
              ground-truth = "{{GroundTruthPath.Replace("\\", "/")}}"
            }
            """);
    }

    /// <summary>Whether two specs this plan wrote ask for the same searches: the same lines in any order, since a
    /// strategy's supernet, paths and data depend on its name and the run's seed, not on where it is listed.</summary>
    public static bool SameSearch(string specText, string otherSpecText) =>
        specText.Split('\n').Order(StringComparer.Ordinal).SequenceEqual(otherSpecText.Split('\n').Order(StringComparer.Ordinal));

    /// <summary>A spec without its <c>ground-truth</c> line: what the supernets were trained with.</summary>
    public static string WithoutGroundTruth(string specText) =>
        string.Join('\n', specText.Split('\n').Where(line => !line.TrimStart().StartsWith("ground-truth =", StringComparison.Ordinal)));

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One strategy's result on one seed: ranking quality of its inherited-weight estimates (or estimator scores)
/// against the ground truth; <paramref name="WithinConvolutionsTau"/> counts only pairs with as many live convolutions;
/// <paramref name="Top1Percentile"/> and <paramref name="Top5Percentile"/> say where the estimate's best one and best
/// five stand in the truth (1 = the table's best).</summary>
public sealed record RankBenchResult(
    string Strategy, int Seed, int Steps, double KendallTau, double SpearmanRho, double TopOverlap, double TrainingSeconds,
    IReadOnlyList<(string Architecture, double Estimated, double True)> Estimates, double WithinConvolutionsTau = double.NaN,
    double Top1Percentile = double.NaN, double Top5Percentile = double.NaN)
{
    /// <summary>Scores estimates of the table's architectures against their truth.</summary>
    public static RankBenchResult Of(string strategy, int seed, int steps, double trainingSeconds,
                                     IReadOnlyList<(string Architecture, double Estimated, double True)> estimates)
    {
        if (estimates.Count < 2)
            throw new NasException($"strategy {strategy} (seed {seed}) scored {estimates.Count} ground-truth architectures; at least 2 are needed");
        var estimated = estimates.Select(e => e.Estimated).ToArray();
        var actual = estimates.Select(e => e.True).ToArray();
        var convolutions = estimates.Select(e => Nb201Space.LiveConvolutions(Nb201Space.Instance.Parse(e.Architecture))).ToArray();
        return new RankBenchResult(strategy, seed, steps, RankCorrelation.KendallTau(estimated, actual), RankCorrelation.SpearmanRho(estimated, actual),
            RankCorrelation.TopKOverlap(estimated, actual, RankBench.TopK(estimates.Count)), trainingSeconds, estimates,
            RankCorrelation.KendallTauWithinGroups(estimated, actual, convolutions),
            RankCorrelation.TopKTruePercentile(estimated, actual, 1), RankCorrelation.TopKTruePercentile(estimated, actual, Math.Min(5, estimates.Count)));
    }
}

public static class RankBench
{
    /// <summary>The top 10% of the table, as the field reports overlap (at least one architecture).</summary>
    public static int TopK(int architectures) => Math.Max(1, (int)Math.Round(architectures / 10.0));

    /// <summary>Scores a finished run's ground-truth probes of one strategy's final weights against the table's mean
    /// test accuracy.</summary>
    public static RankBenchResult Score(SearchExport export, string strategy, int seed, int steps, IReadOnlyDictionary<string, double> truth)
    {
        var id = RankBenchPlan.IdOf(strategy);
        var estimates = FinalProbes(export)
            .Where(e => e.Strategy == id && truth.ContainsKey(e.Architecture))
            .Select(e => (e.Architecture, Estimated: e.Accuracy!.Value, True: truth[e.Architecture]))
            .ToArray();
        var status = export.Status.Strategies.Single(s => s.Strategy == id);
        // What ranking the table cost: a supernet's training and its scoring (fine-tuning each child is most of it), an
        // estimator's scoring alone.
        var scoring = FinalProbes(export).Where(e => e.Strategy == id).Sum(e => e.Seconds);
        var seconds = status.IsEstimator ? scoring : status.TrainingSeconds + scoring;
        return RankBenchResult.Of(strategy, seed, steps, seconds, estimates);
    }

    /// <summary>The zero-cost vote of Abdelfattah et al. (ICLR 2021, "Zero-Cost Proxies for Lightweight NAS"): the mean
    /// rank under synflow, jacob-cov and snip. Taken from the paper, not chosen on any table of ours.</summary>
    public static IReadOnlyList<string> VoteEstimators { get; } = ["synflow", "jacob-cov", "snip"];

    public const string CombinedSuffix = "+zc";

    /// <summary>The combined estimator, a rule fixed before it was measured: the mean of an architecture's rank under
    /// the supernet and its rank under the zero-cost vote (<see cref="VoteEstimators"/>), so that the supernet and the
    /// free proxies weigh alike. Null when a vote estimator is missing from this seed.</summary>
    public static RankBenchResult? Combined(RankBenchResult supernet, IReadOnlyList<RankBenchResult> sameSeed) =>
        CombinedEstimates(supernet, sameSeed) is { Count: >= 2 } estimates
            ? RankBenchResult.Of(supernet.Strategy + CombinedSuffix, supernet.Seed, supernet.Steps,
                                 supernet.TrainingSeconds + sameSeed.Where(r => VoteEstimators.Contains(r.Strategy)).Sum(r => r.TrainingSeconds), estimates)
            : null;

    /// <summary>The combined estimator's estimate of each architecture every input scored; null when a vote estimator
    /// is missing.</summary>
    public static IReadOnlyList<(string Architecture, double Estimated, double True)>? CombinedEstimates(RankBenchResult supernet, IReadOnlyList<RankBenchResult> sameSeed)
    {
        var votes = VoteEstimators.Select(e => sameSeed.FirstOrDefault(r => r.Strategy == e)).ToArray();
        return votes.Any(v => v is null) ? null : MeanRanks(supernet, votes!);
    }

    public const string ShortTrainingSuffix = "+st";

    /// <summary>The supernet combined with short training, a rule fixed before it was measured: the mean of an
    /// architecture's rank under the supernet and under <c>short-training</c> of the same seed (children trained from
    /// scratch), two estimates of the same accuracy whose errors come from different weights. Null without short
    /// training in this seed.</summary>
    public static RankBenchResult? CombinedWithShortTraining(RankBenchResult supernet, IReadOnlyList<RankBenchResult> sameSeed) =>
        sameSeed.FirstOrDefault(r => r.Strategy == ShortTraining.Name) is { } shortTraining && MeanRanks(supernet, [shortTraining]) is { Count: >= 2 } estimates
            ? RankBenchResult.Of(supernet.Strategy + ShortTrainingSuffix, supernet.Seed, supernet.Steps, supernet.TrainingSeconds + shortTraining.TrainingSeconds, estimates)
            : null;

    /// <summary>Per architecture every input scored: the mean of its rank under <paramref name="supernet"/> and its rank
    /// under the sum of ranks of <paramref name="others"/> (so that the others together weigh as much as the supernet).</summary>
    static IReadOnlyList<(string Architecture, double Estimated, double True)> MeanRanks(RankBenchResult supernet, IReadOnlyList<RankBenchResult> others)
    {
        var common = supernet.Estimates.Select(e => e.Architecture)
            .Where(a => others.All(v => v.Estimates.Any(e => e.Architecture == a))).ToArray();
        double[] RanksOf(RankBenchResult result)
        {
            var byArchitecture = result.Estimates.ToDictionary(e => e.Architecture, e => e.Estimated);
            return RankCorrelation.AverageRanks(common.Select(a => byArchitecture[a]).ToArray());
        }
        var supernetRanks = RanksOf(supernet);
        var otherRanks = RankCorrelation.AverageRanks(others.Select(RanksOf).Aggregate((x, y) => x.Zip(y, (p, q) => p + q).ToArray()));
        var truth = supernet.Estimates.ToDictionary(e => e.Architecture, e => e.True);
        return common.Select((a, i) => (a, (supernetRanks[i] + otherRanks[i]) / 2, truth[a])).ToArray();
    }

    const int OverlapK = NasActors.Actors.Runs.Ranking.OverlapK;

    /// <summary>A strategy's estimates of the ground truth at each of its checkpoints (with <see cref="RankBenchPlan.Stability"/>;
    /// otherwise the final weights' alone), as the report reads them.</summary>
    public static IReadOnlyList<CheckpointEstimates> Checkpoints(SearchExport export, string strategy) =>
        Reports.SearchReport.CheckpointEstimatesOf(export, RankBenchPlan.IdOf(strategy));

    /// <summary>Per strategy and checkpoint step, the stability of its ranking over the seeds (see <see cref="RankingStability"/>).</summary>
    public static IReadOnlyList<(string Strategy, StabilityPoint Point)> Stability(IReadOnlyList<string> strategies, IReadOnlyList<SearchExport> seeds,
                                                                                  IReadOnlyDictionary<string, double> truth) =>
        strategies.SelectMany(s => RankingStability.Of(seeds.Select(export => Checkpoints(export, s)).ToArray(), truth, OverlapK).Select(p => (s, p))).ToArray();

    /// <summary>The stability table as the command prints it.</summary>
    public static string StabilityTable(IReadOnlyList<(string Strategy, StabilityPoint Point)> rows)
    {
        static string F(double value) => double.IsFinite(value) ? value.ToString("0.000", CultureInfo.InvariantCulture) : "-";
        var text = new StringBuilder("stability (means over seeds): Kendall tau against the truth, against the same run's previous checkpoint, " +
                                     $"top-{OverlapK} kept since it, and between seeds at the same step\n");
        text.AppendLine($"{"strategy",-50} {"step",6} {"seeds",5} {"vs truth",9} {"vs prev",8} {"top kept",8} {"seeds",7}");
        foreach (var (strategy, p) in rows)
            text.AppendLine($"{strategy,-50} {p.Step,6} {p.Runs,5} {F(p.TauVsTruth),9} {F(p.TauVsPrevious),8} {F(p.TopOverlapVsPrevious),8} {F(p.TauBetweenRuns),7}");
        return text.ToString();
    }

    public static string StabilityCsv(IReadOnlyList<(string Strategy, StabilityPoint Point)> rows)
    {
        static string F(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";
        var csv = new StringBuilder("strategy,step,seeds,tau_vs_truth,tau_vs_previous,top_overlap_vs_previous,tau_between_seeds\n");
        foreach (var (strategy, p) in rows)
            csv.Append(CultureInfo.InvariantCulture, $"{strategy},{p.Step},{p.Runs},{F(p.TauVsTruth)},{F(p.TauVsPrevious)},{F(p.TopOverlapVsPrevious)},{F(p.TauBetweenRuns)}\n");
        return csv.ToString();
    }

    /// <summary>Tau against the step: against the truth, the previous checkpoint and the other seeds, one line a strategy.</summary>
    public static string StabilityPlot(IReadOnlyList<(string Strategy, StabilityPoint Point)> rows)
    {
        var strategies = rows.GroupBy(r => r.Strategy).Select(g => (g.Key, (IReadOnlyList<StabilityPoint>)g.Select(r => r.Point).ToArray())).ToArray();
        Plots.Panel PanelOf(string title, Func<StabilityPoint, double> value) => Reports.SearchReport.StabilityPanel(title, "Kendall tau", strategies, value);
        return Plots.SvgPlot.Figure("Stability of the ranking over training",
            [PanelOf("against the truth", p => p.TauVsTruth), PanelOf("against the previous checkpoint", p => p.TauVsPrevious),
             PanelOf("between seeds", p => p.TauBetweenRuns)]);
    }

    /// <summary>Whether every strategy of a finished search scored every one of the architectures.</summary>
    public static bool ScoresEvery(SearchExport export, IReadOnlyList<string> strategies, IEnumerable<string> architectures)
    {
        var scored = FinalProbes(export).Select(e => (e.Strategy, e.Architecture)).ToHashSet();
        return architectures.All(a => strategies.All(s => scored.Contains((RankBenchPlan.IdOf(s), a))));
    }

    // Probes of earlier checkpoints (evaluation.probe-checkpoints) score the same architectures again; mixing them in
    // would rank half-trained weights and give an architecture two estimates.
    static IEnumerable<ExportedEvaluation> FinalProbes(SearchExport export) =>
        export.Evaluations.Where(e => e.GroundTruthProbe && e.ProbeStep is null && e.Accuracy is not null);

    /// <summary>Mean Kendall tau between the estimates of every two seeds of one strategy, on the architectures both
    /// scored: how reproducible its ranking is, measured without the ground truth. Null with fewer than two seeds.</summary>
    public static double? SeedAgreement(IReadOnlyList<RankBenchResult> seedsOfOneStrategy)
    {
        // The final weights of each seed as one checkpoint: agreement between seeds at it.
        var runs = seedsOfOneStrategy.Select(r => (IReadOnlyList<CheckpointEstimates>)
            [new CheckpointEstimates(0, r.Estimates.GroupBy(e => e.Architecture).ToDictionary(g => g.Key, g => g.First().Estimated))]).ToArray();
        var between = RankingStability.Of(runs, new Dictionary<string, double>()).SingleOrDefault()?.TauBetweenRuns ?? double.NaN;
        return double.IsFinite(between) ? between : null;
    }

    /// <summary>Kendall tau of the estimates averaged over one strategy's seeds (on the architectures every seed scored)
    /// against the truth. Above the per-seed mean, the seeds' errors were partly noise that averaging removes; near it,
    /// they share a bias that more seeds cannot remove. Null with fewer than two seeds.</summary>
    public static double? SeedMeanTau(IReadOnlyList<RankBenchResult> seedsOfOneStrategy)
    {
        if (seedsOfOneStrategy.Count < 2) return null;
        var perSeed = seedsOfOneStrategy.Select(r => r.Estimates.ToDictionary(e => e.Architecture)).ToArray();
        var common = seedsOfOneStrategy[0].Estimates.Select(e => e.Architecture).Where(a => perSeed.All(s => s.ContainsKey(a))).ToArray();
        if (common.Length < 2) return null;
        // Divided before adding: an estimator's floor score (double.MinValue) would overflow a plain sum.
        var mean = common.Select(a => perSeed.Sum(s => s[a].Estimated / perSeed.Length)).ToArray();
        var tau = RankCorrelation.KendallTau(mean, common.Select(a => perSeed[0][a].True).ToArray());
        return double.IsNaN(tau) ? null : tau;
    }

    public static string Table(IReadOnlyList<RankBenchResult> results, IReadOnlyList<string> strategies, double? ceiling,
        SplitHalfAgreement? splitHalf = null, double? parameterCountTau = null)
    {
        var text = new StringBuilder();
        var width = strategies.Append("strategy").Max(s => s.Length);
        text.AppendLine($"{"strategy".PadRight(width)} {"steps",6} {"Kendall tau",15} {"within convs",15} {"Spearman rho",15} {"top-10% overlap",15} {"top-1 pct",15} {"top-5 pct",15} {"seeds agree",11} {"seeds' mean",11} {"seconds",8}  seeds");
        foreach (var strategy in strategies)
        {
            var rows = results.Where(r => r.Strategy == strategy).ToArray();
            if (rows.Length == 0) continue;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{strategy.PadRight(width)} {rows[0].Steps,6} {Spread.Of(rows.Select(r => r.KendallTau).ToArray()),15} {Spread.Of(rows.Select(r => r.WithinConvolutionsTau).ToArray()),15} " +
                $"{Spread.Of(rows.Select(r => r.SpearmanRho).ToArray()),15} " +
                $"{Spread.Of(rows.Select(r => r.TopOverlap).ToArray()),15} {Spread.Of(rows.Select(r => r.Top1Percentile).ToArray()),15} {Spread.Of(rows.Select(r => r.Top5Percentile).ToArray()),15} {AgreementText(SeedAgreement(rows)),11} {AgreementText(SeedMeanTau(rows)),11} {rows.Average(r => r.TrainingSeconds),8:0}  {rows.Length}"));
        }
        if (results.Count > 0)
        {
            text.AppendLine("within convs: Kendall tau over pairs with as many live convolutions (the order that counting convolutions cannot give)");
            text.AppendLine("top-10% overlap: share of the estimate's top 10% in the true top 10% (precision at 10%); top-1/top-5 pct: mean true percentile of the estimate's best 1 and 5 (1 = the table's best)");
            text.AppendLine("seconds: a supernet's training and scoring of the table (trainer's and evaluators' time), an estimator's scoring");
            text.AppendLine("seeds agree: mean Kendall tau between two seeds' estimates (no ground truth; low means the supernet's seed, not the architecture, sets the ranking)");
            text.AppendLine("seeds' mean: Kendall tau of the estimates averaged over seeds (above the Kendall tau column: seed noise averaged out; near it: a bias every seed shares)");
        }
        if (results.Any(r => !double.IsFinite(r.KendallTau) || !double.IsFinite(r.WithinConvolutionsTau)))
            text.AppendLine("n/a: undefined for a seed whose supernet scored every architecture alike (within convs: or whose table has no two architectures " +
                            "with as many convolutions and different accuracies); such a seed is left out of that mean");
        if (parameterCountTau is { } floor)
            text.AppendLine(double.IsNaN(floor)
                ? "baseline: parameter count as the estimate (no training) is undefined: every architecture has as many parameters"
                : string.Create(CultureInfo.InvariantCulture, $"baseline: parameter count as the estimate (no training) has Kendall tau {floor:0.000}"));
        text.Append(ceiling is { } tau
            ? string.Create(CultureInfo.InvariantCulture, $"ceiling: the ground truth's own seed-to-seed Kendall tau is {tau:0.000}")
            : "ceiling: the ground truth has no second seed to compare");
        // The truth is the mean over seeds, which agrees with itself better than one seed does with another.
        if (splitHalf is { } split)
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"; means of {split.SeedsPerHalf} seeds against means of {split.SeedsPerHalf} others: {split.Tau:0.000}"));
        return text.ToString();
    }

    static string AgreementText(double? agreement) =>
        agreement is { } tau ? tau.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    public static string Csv(IReadOnlyList<RankBenchResult> results)
    {
        var text = new StringBuilder("strategy,seed,steps,kendall_tau,spearman_rho,top10_overlap,training_seconds,kendall_tau_within_convolutions,top1_percentile,top5_percentile\n");
        foreach (var r in results)
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Strategy},{r.Seed},{r.Steps},{r.KendallTau:0.####},{r.SpearmanRho:0.####},{r.TopOverlap:0.####},{r.TrainingSeconds:0.#},{r.WithinConvolutionsTau:0.####},{r.Top1Percentile:0.####},{r.Top5Percentile:0.####}\n"));
        return text.ToString();
    }

    public static string EstimatesCsv(IReadOnlyList<RankBenchResult> results)
    {
        var text = new StringBuilder("strategy,seed,arch,estimated_accuracy,true_accuracy\n");
        foreach (var r in results)
            foreach (var (architecture, estimated, actual) in r.Estimates)
                text.Append(string.Create(CultureInfo.InvariantCulture, $"{r.Strategy},{r.Seed},{architecture},{estimated:0.####},{actual:0.####}\n"));
        return text.ToString();
    }

    /// <summary>Estimated against true accuracy, one panel per strategy, every seed in its own colour.</summary>
    public static string Plot(IReadOnlyList<RankBenchResult> results, IReadOnlyList<string> strategies) =>
        Plots.SvgPlot.Figure("Inherited-weight estimate vs stand-alone accuracy (ground truth)", strategies
            .Where(s => results.Any(r => r.Strategy == s))
            .Select(s =>
            {
                var rows = results.Where(r => r.Strategy == s).ToArray();
                var tau = Spread.Of(rows.Select(r => r.KendallTau).ToArray());
                return new Plots.Panel($"{s}: tau {tau}", "true test accuracy", "estimated accuracy",
                    rows.Select(r => new Plots.Series($"seed {r.Seed}", r.Estimates.Select(e => (e.True, e.Estimated)).ToArray())).ToArray());
            }).ToArray());

    /// <summary>The table's architectures with their mean test accuracy, after checking that it suits a benchmark.</summary>
    public static (GroundTruthTable Table, IReadOnlyDictionary<string, double> Truth) ReadGroundTruth(string path)
    {
        var table = GroundTruthTable.Read(path, Nb201Space.Instance);
        var truth = table.MeanTestAccuracy();
        if (truth.Count < 2) throw new NasException($"ground-truth file '{path}' has {truth.Count} architecture(s); a ranking needs at least 2");
        var shapes = table.Rows.Select(r => (r.Channels, r.Cells, r.ImageSize)).Distinct().ToArray();
        if (shapes.Length > 1)
            throw new NasException($"ground-truth file '{path}' mixes network shapes ({string.Join("; ", shapes.Select(s => $"C={s.Channels} N={s.Cells} {s.ImageSize}px"))}); " +
                                   "a benchmark needs one, so that supernets are shaped like the child models they rank");
        return (table, truth);
    }
}
