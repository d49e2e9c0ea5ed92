using System.CommandLine;
using System.Diagnostics;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Cli.Bench;
using NasActors.Search;
using NasActors.Search.GroundTruth;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Estimators;
using NasActors.Torch.Runtime;

namespace NasActors.Cli.Commands;

/// <summary><c>nas rankbench</c>: one search per seed through the actors, every strategy of it training its own supernet
/// concurrently; each trained supernet scores every architecture of the ground truth with inherited weights, and the
/// ranking quality per strategy (mean and spread over seeds) is printed and written as CSV and SVG. Searches already
/// finished in the state folder with the same spec are reused, and an interrupted one resumes.</summary>
internal static class RankBenchCommand
{
    public static Command Create()
    {
        var groundTruth = new Option<string>("--groundtruth") { Description = "ground-truth table (CSV from nas groundtruth)", Required = true };
        var strategies = new Option<string>("--strategies") { Description = "comma-separated strategies; NAME-align adds MAGIC-A's alignment (magic-t-align: MAGIC-AT); NAME/SETTING=VALUE sets a sampler setting (uniform/deiso=on/conv-weight=2); default: the best measured (docs/results.md)", DefaultValueFactory = _ => DefaultStrategy };
        var estimators = new Option<string>("--estimators") { Description = $"comma-separated estimators scored in the same runs ({string.Join(", ", EstimatorCatalog.Names)}; none: no estimator), each NAME/SETTING=VALUE as a strategy (short-training/cells=2)", DefaultValueFactory = _ => string.Join(",", EstimatorCatalog.Names) };
        var supernetCells = new Option<int?>("--supernet-cells") { Description = $"cells per stage of the supernets (default: {DefaultSupernetCells}, or the table's if fewer)" };
        var truthColumn = new Option<string>("--truth") { Description = "test: rank against the table's test accuracy; validation: against its validation accuracy (for choosing settings without seeing the test accuracies)", DefaultValueFactory = _ => "test" };
        var steps = new Option<int>("--steps") { Description = "training budget per strategy, in single-path steps", DefaultValueFactory = _ => 2000 };
        var budget = new Option<string>("--budget") { Description = "compute: a strategy training m paths per step gets steps/m steps; steps: every strategy gets --steps", DefaultValueFactory = _ => "compute" };
        var seeds = new Option<int>("--seeds") { Description = "seeds (one search each)", DefaultValueFactory = _ => 3 };
        var dataset = new Option<string>("--dataset") { Description = "the ground truth's data set", DefaultValueFactory = _ => "fashion-mnist" };
        var dataDirectory = new Option<string?>("--data-dir") { Description = "folder with the data set's files (default: where its package puts them)" };
        var validationSize = new Option<int>("--validation-size") { Description = "training images held out to score child models", DefaultValueFactory = _ => 10_000 };
        var batchSize = new Option<int>("--batch-size") { Description = "supernet training batch", DefaultValueFactory = _ => 128 };
        var alignWeight = new Option<double>("--align-weight") { Description = "MAGIC-A alignment weight of the strategies named SAMPLER-align", DefaultValueFactory = _ => 1 };
        var learningRate = new Option<double>("--learning-rate") { Description = "supernet SGD learning rate (cosine schedule)", DefaultValueFactory = _ => 0.025 };
        var evaluationImages = new Option<int?>("--evaluation-images") { Description = "validation images per inherited-weight score (default: all of --validation-size)" };
        var trainers = new Option<int>("--trainers") { Description = "trainer actors (default: one per strategy)" };
        var evaluators = new Option<int?>("--evaluators") { Description = "evaluator actors scoring child models at once (default: one per core)" };
        var threads = new Option<int>("--threads") { Description = "intra-op threads per trainer", DefaultValueFactory = _ => 1 };
        var device = CommonOptions.Device();
        device.Description = "where every trainer trains and every evaluator scores: cpu or cuda:N";
        var stateDirectory = new Option<string>("--state-dir") { Description = "journal and checkpoints (reused: finished searches are not run again)", DefaultValueFactory = _ => ".nas/rankbench" };
        var output = new Option<string>("--out") { Description = "folder for rankbench.csv, estimates.csv and rankbench.svg", DefaultValueFactory = _ => "rankbench" };
        var tensorBoard = CommonOptions.TensorBoard();
        var stability = new Option<bool>("--stability") { Description = "every checkpoint scores the ground truth: Kendall tau against the truth, the previous checkpoint and the other seeds over training (stability.csv, stability.svg)" };
        var command = new Command("rankbench", "ranking consistency per strategy: supernet estimates against stand-alone ground truth")
        {
            tensorBoard, stability,
            groundTruth, strategies, estimators, supernetCells, truthColumn, steps, budget, seeds, dataset, dataDirectory, validationSize, batchSize, learningRate, alignWeight, evaluationImages, trainers, evaluators, threads, device, stateDirectory, output,
        };
        command.SetAction((parsed, cancellation) =>
        {
            var names = parsed.GetValue(strategies)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var estimatorNames = parsed.GetValue(estimators)! is "none" or "" ? []
                : parsed.GetValue(estimators)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (names.Length == 0 && estimatorNames.Length == 0) throw new NasException("--strategies is empty: name at least one, e.g. --strategies uniform,fair");
            if (estimatorNames.FirstOrDefault(e => !EstimatorCatalog.IsKnown(RankBenchPlan.Parse(e).Sampler)) is { } unknownEstimator)
                throw new NasException($"unknown estimator '{unknownEstimator}' in --estimators; known: {string.Join(", ", EstimatorCatalog.Names)} (or none)");
            if (estimatorNames.Select(RankBenchPlan.IdOf).Distinct().Count() != estimatorNames.Length) throw new NasException($"--estimators names an estimator twice: {string.Join(",", estimatorNames)}");
            if (parsed.GetValue(truthColumn) is not ("test" or "validation") and var column) throw new NasException($"--truth '{column}' is unknown: use test or validation");
            var unknown = names.Where(n => !RankBenchPlan.IsKnown(n)).ToArray();
            if (unknown.Length > 0)
                throw new NasException($"unknown strateg{(unknown.Length > 1 ? "ies" : "y")} {string.Join(", ", unknown)} in --strategies; known: {string.Join(", ", Samplers.Names)}, " +
                                       $"each also as NAME{RankBenchPlan.AlignedSuffix} (with MAGIC-A's alignment)");
            if (names.Select(RankBenchPlan.IdOf).Distinct().Count() != names.Length) throw new NasException($"--strategies names a strategy twice: {string.Join(",", names)}");
            var budgetKind = parsed.GetValue(budget)!;
            if (budgetKind is not ("compute" or "steps")) throw new NasException($"--budget '{budgetKind}' is unknown: use compute or steps");
            var groundTruthPath = Path.GetFullPath(parsed.GetValue(groundTruth)!);
            var (table, truth) = RankBench.ReadGroundTruth(groundTruthPath);
            if (parsed.GetValue(truthColumn) == "validation") truth = table.MeanValidationAccuracy();
            var first = table.Rows[0];
            var cells = parsed.GetValue(supernetCells) is { } c ? CommonOptions.Positive("--supernet-cells", c) : Math.Min(DefaultSupernetCells, first.Cells);
            var validationImages = CommonOptions.Positive("--validation-size", parsed.GetValue(validationSize));
            var plan = new RankBenchPlan(names, CommonOptions.Positive("--steps", parsed.GetValue(steps)), budgetKind == "compute",
                CommonOptions.Positive("--seeds", parsed.GetValue(seeds)), groundTruthPath, parsed.GetValue(dataset)!,
                parsed.GetValue(dataDirectory) is { } directory ? Path.GetFullPath(directory) : null,
                validationImages, CommonOptions.Positive("--batch-size", parsed.GetValue(batchSize)),
                first.Channels, cells, first.ImageSize, EvaluationImages(parsed.GetValue(evaluationImages), validationImages),
                CommonOptions.Positive("--threads", parsed.GetValue(threads)), PositiveLearningRate(parsed.GetValue(learningRate)),
                AlignWeight(parsed.GetValue(alignWeight))) { Estimators = estimatorNames, TableCells = first.Cells, Stability = parsed.GetValue(stability) };
            var trainerCount = parsed.GetValue(trainers) is var t && t != 0 ? CommonOptions.Positive("--trainers", t) : Math.Max(1, names.Length);
            // Scoring is one thread an evaluation: once the supernets are trained, one evaluator would leave cores idle.
            var evaluatorCount = parsed.GetValue(evaluators) is { } e ? CommonOptions.Positive("--evaluators", e) : Environment.ProcessorCount;
            var deviceName = parsed.GetValue(device)!;
            TorchRuntime.ResolveDevice(deviceName);  // a device this machine lacks is named now, not by every job failing
            var node = NodeSettings.Embedded(parsed.GetValue(stateDirectory)!, trainerCount, evaluatorCount, deviceName);
            var tensorBoardFolder = parsed.GetValue(tensorBoard);
            if (tensorBoardFolder is not null)
                CommonOptions.WithTensorBoard(SearchSpec.Parse(plan.SpecText(1), "rankbench spec (seed 1)"), tensorBoardFolder);  // checks the folder now
            return Run(plan, truth, table, node, parsed.GetValue(output)!, tensorBoardFolder, cancellation);
        });
        return command;
    }

    /// <summary>Paths over distinct functions weighted towards convolutions, each child fine-tuned 160 steps before it is
    /// scored: the best of what was measured on the committed table's validation accuracy (docs/results.md).</summary>
    internal const string DefaultStrategy = "uniform/deiso=on/conv-weight=2/fine-tune=160";

    /// <summary>Two cells a stage ranked the committed table better than one, three or five (docs/results.md).</summary>
    internal const int DefaultSupernetCells = 2;

    /// <summary>Every validation image unless told otherwise: scored on 2,000 of the 10,000, the estimates of two seeds
    /// agreed 0.07-0.08 Kendall tau less (docs/results.md).</summary>
    static int EvaluationImages(int? requested, int validationImages)
    {
        if (requested is not { } images) return validationImages;
        CommonOptions.Positive("--evaluation-images", images);
        return images <= validationImages ? images
            : throw new NasException($"--evaluation-images {images} exceeds --validation-size {validationImages}: score on at most the held-out images, or hold out more");
    }

    static double PositiveLearningRate(double value) => value is > 0 and <= 10 ? value
        : throw new NasException($"--learning-rate must be in (0, 10], got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    static double AlignWeight(double value) => value is > 0 and <= 100 ? value
        : throw new NasException($"--align-weight must be in (0, 100], got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    static void WarnOfPadaThatSamplesLikeUniform(RankBenchPlan plan, DataSpec data)
    {
        var pada = plan.Strategies.Where(s => RankBenchPlan.Parse(s).Sampler == PadaSampler.Name).ToArray();
        if (pada.Length == 0) return;
        var stepsPerEpoch = TrainingData.For(data).Split.Train.Length / plan.BatchSize;
        foreach (var strategy in pada)
            if (PadaSampler.SamplesLikeUniformWarning(strategy, plan.StepsOf(strategy), stepsPerEpoch) is { } warning)
                Console.Error.WriteLine($"warning: {warning}");
    }

    static async Task<int> Run(RankBenchPlan plan, IReadOnlyDictionary<string, double> truth, GroundTruthTable table, NodeSettings settings,
                               string output, string? tensorBoard, CancellationToken cancellation)
    {
        // --tensorboard is part of each seed's spec text, so a search started with it is found again only with it.
        string SpecText(int seed) => tensorBoard is null ? plan.SpecText(seed)
            : SearchSpec.Parse(plan.SpecText(seed), $"rankbench spec (seed {seed})").WithTensorBoard(tensorBoard).Text;
        // Every spec is checked before anything trains.
        var specs = Enumerable.Range(1, plan.Seeds).Select(seed => SearchSpec.Parse(SpecText(seed), $"rankbench spec (seed {seed})")).ToArray();
        WarnOfPadaThatSamplesLikeUniform(plan, specs[0].Data);  // every seed's data is the same
        Console.WriteLine($"rankbench: {plan.Strategies.Count} strategies x {plan.Seeds} seeds, {truth.Count} ground-truth architectures " +
                          $"(C={plan.Channels} N={plan.Cells} {plan.ImageSize}px), budget {plan.Steps} path-steps at learning rate {plan.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
                          $"({string.Join(", ", plan.Strategies.Select(s => $"{s} {plan.StepsOf(s)} steps"))}; supernets of {plan.Cells} cells a stage), " +
                          $"{plan.Estimators.Count} estimators, {settings.Devices.Count} trainers, {settings.Evaluators} evaluators " +
                          $"on {settings.EvaluatorDevice}; state in {Path.GetDirectoryName(settings.CheckpointDirectory)}");
        await using var node = NasNode.Start(settings);
        var reused = new Dictionary<int, string>();
        for (var seed = 1; seed <= plan.Seeds; seed++)
            if (await FindExisting(node, plan, SpecText(seed), seed, truth) is { } found) reused[seed] = found;
        await PauseAllBut(node, reused.Values.ToHashSet());
        var results = new List<RankBenchResult>();
        var exports = new List<SearchExport>();
        var clock = Stopwatch.StartNew();
        using var bar = new Output.ConsoleProgress("rankbench", plan.Seeds);
        for (var seed = 1; seed <= plan.Seeds; seed++)
        {
            var searchId = reused.TryGetValue(seed, out var found) ? found : await Start(node, plan, SpecText(seed), seed);
            var export = await WaitForCompletion(node, searchId, seed, clock, bar, cancellation);
            exports.Add(export);
            var seedResults = plan.Strategies.Select(s => RankBench.Score(export, s, seed, plan.StepsOf(s), truth))
                .Concat(plan.Estimators.Select(e => RankBench.Score(export, e, seed, 0, truth))).ToList();
            var supernets = plan.Strategies.Select(s => seedResults.First(r => r.Strategy == s)).ToArray();
            seedResults.AddRange(supernets.Select(s => RankBench.Combined(s, seedResults)).OfType<RankBenchResult>().ToArray());
            seedResults.AddRange(supernets.Select(s => RankBench.CombinedWithShortTraining(s, seedResults)).OfType<RankBenchResult>().ToArray());
            results.AddRange(seedResults);
            foreach (var line in SplitGroupings(specs[seed - 1], searchId, settings.CheckpointDirectory)) bar.WriteLine($"seed {seed}: {line}");
            // A run of hours leaves its finished seeds' results behind even if it is stopped before the last.
            await WriteOutputs(results, Rows(plan), output, cancellation);
            if (seed < plan.Seeds) bar.WriteLine($"seed {seed} of {plan.Seeds} scored: {Path.Combine(output, "rankbench.csv")} holds the seeds so far");
        }
        bar.Dispose();
        Console.WriteLine();
        Console.WriteLine(RankBench.Table(results, Rows(plan), table.SeedToSeedTau(1, 2), table.SplitHalfTau(), table.ParameterCountTau()));
        if (plan.Strategies.Count > 0 && plan.Estimators.Count > 0)
            Console.WriteLine(plan.Estimators.Intersect(RankBench.VoteEstimators).Count() == RankBench.VoteEstimators.Count
                ? $"STRATEGY{RankBench.CombinedSuffix}: the mean of the supernet's rank and the zero-cost vote's (mean rank under {string.Join(", ", RankBench.VoteEstimators)}), a rule fixed in advance"
                : $"no combined estimator: it needs {string.Join(", ", RankBench.VoteEstimators)} in --estimators");
        if (plan.Strategies.Count > 0 && plan.Estimators.Contains(ShortTraining.Name))
            Console.WriteLine($"STRATEGY{RankBench.ShortTrainingSuffix}: the mean of the supernet's rank and short training's, a rule fixed in advance");
        if (plan.Stability)
        {
            var stabilityRows = RankBench.Stability(plan.Strategies, exports, truth);
            Console.WriteLine();
            Console.Write(RankBench.StabilityTable(stabilityRows));
            await File.WriteAllTextAsync(Path.Combine(output, "stability.csv"), RankBench.StabilityCsv(stabilityRows), cancellation);
            await File.WriteAllTextAsync(Path.Combine(output, "stability.svg"), RankBench.StabilityPlot(stabilityRows), cancellation);
        }
        Console.WriteLine($"wrote {Path.Combine(output, "rankbench.csv")}, estimates.csv{(plan.Stability ? ", stability.csv, stability.svg" : "")} and rankbench.svg ({clock.Elapsed.TotalMinutes:0.0} min)");
        return 0;
    }

    /// <summary>The table's rows: each strategy, then each combined with the zero-cost vote, then with short training, then the estimators.</summary>
    static IReadOnlyList<string> Rows(RankBenchPlan plan) =>
        plan.Strategies.Concat(plan.Strategies.Select(s => s + RankBench.CombinedSuffix))
            .Concat(plan.Estimators.Contains(ShortTraining.Name) ? plan.Strategies.Select(s => s + RankBench.ShortTrainingSuffix) : [])
            .Concat(plan.Estimators).ToArray();

    /// <summary>How each gradient-matched few-shot supernet grouped its split edge's operations, read from its final
    /// checkpoint: the grouping is measured during training, so only the trainer knows it.</summary>
    static IEnumerable<string> SplitGroupings(SearchSpec spec, string searchId, string checkpointDirectory)
    {
        var space = SearchSpaces.Get(spec.Space);
        foreach (var strategy in spec.Strategies)
        {
            if (strategy.FewShotPlan(space) is not { GroupsOptions: true } plan) continue;
            var path = CheckpointLayout.PathOf(checkpointDirectory, searchId, strategy.Id, strategy.Steps);
            string? groups = null;
            try { CheckpointFile.ReadState(path).Metadata.TryGetValue(CheckpointLayout.SplitGroupsKey, out groups); }
            catch (CorruptCheckpointException e) { Console.Error.WriteLine($"warning: {e.Message}"); }
            var groupOf = groups?.Split(' ').Select(g => int.Parse(g, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            yield return groupOf?.Length == plan.Options
                ? $"{strategy.Id} split {plan.Describe(space, groupOf)}"
                : $"{strategy.Id}: its final checkpoint {path} does not say how it split";
        }
    }

    static async Task WriteOutputs(IReadOnlyList<RankBenchResult> results, IReadOnlyList<string> strategies, string output, CancellationToken cancellation)
    {
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "rankbench.csv"), RankBench.Csv(results), cancellation);
        await File.WriteAllTextAsync(Path.Combine(output, "estimates.csv"), RankBench.EstimatesCsv(results), cancellation);
        await File.WriteAllTextAsync(Path.Combine(output, "rankbench.svg"), RankBench.Plot(results, strategies), cancellation);
    }

    /// <summary>The node continues every unfinished search in its state directory; any this benchmark does not use (one
    /// of other strategies, budget or data, or a duplicate of one it reuses) would take its trainers and its time, so
    /// it is paused.</summary>
    static async Task PauseAllBut(NasNode node, IReadOnlySet<string> used)
    {
        var list = await node.AskAsync<SearchList>(ListSearches.Instance);
        foreach (var search in list.Searches.Where(s => s.Phase == RunPhase.Running && !used.Contains(s.SearchId)))
        {
            await node.AskAsync<CommandAccepted>(new PauseSearch(search.SearchId));
            Console.WriteLine($"pausing search {search.SearchId} ({search.Name}): this benchmark does not use it " +
                              "(the rankbench command that started it, or nas search resume, continues it)");
        }
    }

    /// <summary>For this seed, what is already trained first: a finished search with this spec (its strategies in any
    /// order); else a finished one whose spec differs only in its ground-truth file and which scored every architecture
    /// of this table (a table of the same architectures trained longer or with more seeds re-scores supernets without
    /// training them again); else an unfinished one with this spec, continued. Null when there is none.</summary>
    static async Task<string?> FindExisting(NasNode node, RankBenchPlan plan, string spec, int seed, IReadOnlyDictionary<string, double> truth)
    {
        var list = await node.AskAsync<SearchList>(ListSearches.Instance);
        var candidates = new List<(SearchStatus Search, SearchExport Export)>();
        foreach (var search in list.Searches.Where(s => s.Name == plan.SearchName(seed) && s.Phase != RunPhase.Stopped).Reverse())  // newest first
            candidates.Add((search, await node.AskAsync<SearchExport>(new ExportSearch(search.SearchId))));
        var finished = candidates.Where(c => c.Search.Phase == RunPhase.Completed).ToArray();
        if (finished.Where(c => RankBenchPlan.SameSearch(c.Export.Spec, spec)).Select(c => c.Search).FirstOrDefault() is { } same)
        {
            Console.WriteLine($"seed {seed}: reusing finished search {same.SearchId}");
            return same.SearchId;
        }
        if (finished.Where(c => RankBenchPlan.SameSearch(RankBenchPlan.WithoutGroundTruth(c.Export.Spec), RankBenchPlan.WithoutGroundTruth(spec))
                                         && RankBench.ScoresEvery(c.Export, plan.Strategies.Concat(plan.Estimators).ToArray(), truth.Keys)).Select(c => c.Search).FirstOrDefault() is { } rescored)
        {
            Console.WriteLine($"seed {seed}: re-scoring finished search {rescored.SearchId} (trained beside another table of the same architectures)");
            return rescored.SearchId;
        }
        if (candidates.Where(c => c.Search.Phase != RunPhase.Completed && RankBenchPlan.SameSearch(c.Export.Spec, spec)).Select(c => c.Search).FirstOrDefault() is { } unfinished)
        {
            if (unfinished.Phase == RunPhase.Paused) await node.AskAsync<CommandAccepted>(new ResumeSearch(unfinished.SearchId));
            Console.WriteLine($"seed {seed}: continuing search {unfinished.SearchId}");
            return unfinished.SearchId;
        }
        return null;
    }

    static async Task<string> Start(NasNode node, RankBenchPlan plan, string specText, int seed)
    {
        var created = await node.AskAsync<SearchCreated>(new CreateSearch(specText, plan.Threads));
        Console.WriteLine($"seed {seed}: search {created.SearchId} started");
        return created.SearchId;
    }

    /// <summary>Training (counted as 3/4) and scoring (1/4) of every strategy, as one fraction of a search.</summary>
    internal static double Fraction(SearchStatus status) =>
        status.Strategies.Average(s => s.FailureReason is not null ? 1 : s.Trained
            ? 0.75 + 0.25 * (s.Probes + s.Budget == 0 ? 1 : (double)(s.ProbesCompleted + s.EvaluationsCompleted) / (s.Probes + s.Budget))
            : 0.75 * s.CheckpointStep / Math.Max(1, s.Steps));

    static async Task<SearchExport> WaitForCompletion(NasNode node, string searchId, int seed, Stopwatch clock, Output.ConsoleProgress bar,
                                                      CancellationToken cancellation)
    {
        var lastLine = "";
        while (true)
        {
            var status = await node.AskAsync<SearchStatus>(new GetSearchStatus(searchId));
            var line = string.Join("  ", status.Strategies.Select(s => s.FailureReason is not null ? $"{s.Strategy} failed"
                : s.Trained ? $"{s.Strategy} {s.ProbesCompleted}/{s.Probes}" : $"{s.Strategy} {s.CheckpointStep}/{s.Steps}"));
            if (line != lastLine) bar.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0}s] seed {seed}: {line}");
            lastLine = line;
            bar.Report(seed - 1 + Fraction(status), $"seed {seed}");
            if (status.Strategies.FirstOrDefault(s => s.FailureReason is not null) is { } failed)
                throw new NasException($"strategy {failed.Strategy} failed in search {searchId}: {failed.FailureReason}");
            if (status.Phase == RunPhase.Completed) return await node.AskAsync<SearchExport>(new ExportSearch(searchId));
            if (status.Phase == RunPhase.Stopped) throw new NasException($"search {searchId} was stopped; run rankbench again to start it afresh");
            await Task.Delay(TimeSpan.FromSeconds(5), cancellation);
        }
    }
}
