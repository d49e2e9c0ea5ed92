using Akka.Configuration;
using NasActors.Search.Evolution;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Estimators;
using NasActors.Torch.Training;

namespace NasActors.Actors.Runs;

/// <summary>A search as its HOCON spec describes it (hocon/searches/*.conf), validated. The spec's text is journaled
/// with the run, so a resumed run reads exactly what it started with.</summary>
public sealed record SearchSpec(
    string Name,
    string Space,
    DataSpec Data,
    NetworkSpec Supernet,
    TrainingSpec Training,
    IReadOnlyList<StrategySpec> Strategies,
    EvolutionSettings Evolution,
    EvaluationSpec Evaluation,
    ulong Seed,
    string? GroundTruth,
    string Text)
{
    /// <summary>Reads and validates a spec file; every problem names the setting (or the line) and what is allowed.</summary>
    public static SearchSpec Load(string path)
    {
        if (!File.Exists(path)) throw new NasException($"search spec '{path}' does not exist; see hocon/searches/demo.conf for an example");
        return Parse(File.ReadAllText(path), path);
    }

    public static SearchSpec Parse(string text, string source = "spec")
    {
        HoconSyntax.Check(text, source);
        Config root;
        try
        {
            root = ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is not NasException)
        {
            throw new NasException($"{source}: malformed HOCON: {e.Message}");
        }
        if (!root.HasPath("search")) throw new NasException($"{source}: no 'search {{ ... }}' block");
        var reader = new SpecReader(root.GetConfig("search"), source);
        var space = reader.String("space", "nb201");
        if (!SearchSpaces.Names.Contains(space))
            throw reader.Invalid("space", space, $"a known space ({string.Join(", ", SearchSpaces.Names)})");
        var dataset = reader.String("data.dataset", "fashion-mnist");
        if (!DataSets.Names.Contains(dataset, StringComparer.OrdinalIgnoreCase))
            throw reader.Invalid("data.dataset", dataset, $"a known data set ({string.Join(", ", DataSets.Names)})");
        var validationSize = reader.Int("data.validation-size", 10_000, min: 1);
        // Scored images come from the held-out ones: asking for more would silently score fewer.
        var data = new DataSpec(dataset, reader.OptionalString("data.data-dir"), reader.Int("data.image-size", 16, min: 4), validationSize,
            reader.Int("data.evaluation-images", Math.Min(2_000, validationSize), min: 1, max: validationSize));
        var supernet = new NetworkSpec(reader.Int("supernet.channels", 8, min: 1), reader.Int("supernet.cells", 1, min: 1));
        var training = new TrainingSpec(reader.Int("training.steps", 600, min: 1), reader.Int("training.batch-size", 128, min: 1),
            reader.Int("training.checkpoint-every", 100, min: 1), reader.Double("training.learning-rate", 0.025, min: 1e-9, max: 10),
            reader.Int("training.threads", 1, min: 1, max: 64));
        var strategies = reader.Strategies(training.Steps, space);
        var evolution = new EvolutionSettings(reader.Int("evolution.population", 20, min: 2), reader.Int("evolution.sample-size", 5, min: 1),
            reader.Int("evolution.budget", 100, min: 2), reader.Double("evolution.crossover", 0.2, min: 0, max: 1));
        try
        {
            evolution.Validate();
        }
        catch (NasException e)
        {
            throw new NasException($"{source}: search.evolution: {e.Message}");
        }
        var evaluation = new EvaluationSpec(reader.Int("evaluation.max-attempts", 3, min: 1, max: 100),
            new FaultInjection(reader.Int("evaluation.faults.fail-every", 0, min: 0),
                               reader.Double("evaluation.faults.fail-probability", 0, min: 0, max: 1),
                               reader.Int("evaluation.faults.kill-evaluator-at", 0, min: 0),
                               reader.Double("evaluation.faults.delay", 0, min: 0, max: 600)),
            reader.Bool("evaluation.probe-checkpoints", false));
        var groundTruth = reader.OptionalString("ground-truth");
        return new SearchSpec(reader.String("name", "search"), space, data, supernet, training, strategies, evolution, evaluation,
            (ulong)reader.Int("seed", 1, min: 0), groundTruth, text);
    }

    /// <summary>Reads settings with defaults and range checks, naming the full path of whatever is wrong.</summary>
    sealed class SpecReader(Config search, string source)
    {
        public NasException Invalid(string path, object value, string expected) =>
            new($"{source}: search.{path} = {value} is invalid: expected {expected}");

        public string String(string path, string fallback) => search.HasPath(path) ? search.GetString(path) : fallback;

        public string? OptionalString(string path) => search.HasPath(path) ? search.GetString(path) : null;

        public int Int(string path, int fallback, int min = int.MinValue, int max = int.MaxValue)
        {
            if (!search.HasPath(path)) return fallback;
            var text = search.GetString(path);
            if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
                throw Invalid(path, text, "a whole number");
            if (value < min || value > max) throw Invalid(path, value, max == int.MaxValue ? $"at least {min}" : $"{min} to {max}");
            return value;
        }

        public bool Bool(string path, bool fallback)
        {
            if (!search.HasPath(path)) return fallback;
            var text = search.GetString(path);
            return text.ToLowerInvariant() switch
            {
                "on" or "true" or "yes" => true,
                "off" or "false" or "no" => false,
                _ => throw Invalid(path, text, "on or off"),
            };
        }

        public double Double(string path, double fallback, double min, double max)
        {
            if (!search.HasPath(path)) return fallback;
            var text = search.GetString(path);
            if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
                throw Invalid(path, text, "a number");
            if (!(value >= min && value <= max)) throw Invalid(path, value, $"{min} to {max}");
            return value;
        }

        /// <summary>search.strategies { ID { sampler = NAME, seed = N, steps = S, SETTING = VALUE ... } ... }: one supernet per
        /// entry, ordered by id. Every other key is a setting of the strategy (or MAGIC-A's), checked here. An entry
        /// <c>ID { estimator = NAME, seed = N, SETTING = VALUE }</c> trains nothing: its evolution and ground-truth
        /// probes are scored by a zero-cost estimator on freshly initialised children.</summary>
        public IReadOnlyList<StrategySpec> Strategies(int defaultSteps, string space)
        {
            if (!search.HasPath("strategies"))
                throw new NasException($"{source}: search.strategies is missing: name at least one, e.g. strategies {{ uniform {{ sampler = uniform }} }}");
            var ids = search.GetConfig("strategies").Root.GetObject().Items.Keys.Order(StringComparer.Ordinal).ToArray();
            if (ids.Length == 0) throw new NasException($"{source}: search.strategies is empty: name at least one strategy");
            return ids.Select((id, index) =>
            {
                var estimator = OptionalString($"strategies.{id}.estimator");
                if (estimator is not null && search.HasPath($"strategies.{id}.sampler"))
                    throw Invalid($"strategies.{id}", "{ sampler, estimator }", "either a sampler (a supernet to train) or an estimator (no supernet), not both");
                var sampler = estimator ?? String($"strategies.{id}.sampler", id);
                if (estimator is not null && !EstimatorCatalog.IsKnown(estimator))
                    throw Invalid($"strategies.{id}.estimator", estimator, $"a known estimator ({string.Join(", ", EstimatorCatalog.Names)})");
                if (estimator is null && !Samplers.IsKnown(sampler))
                    throw Invalid($"strategies.{id}.sampler", sampler, $"a known strategy ({string.Join(", ", Samplers.Names)}) or, as estimator = NAME, " +
                                                                       $"an estimator ({string.Join(", ", EstimatorCatalog.Names)})");
                var items = search.GetConfig($"strategies.{id}").Root.GetObject().Items;
                var settings = new Dictionary<string, string>(StringComparer.Ordinal);
                // Short training's steps are its own setting; a supernet's are its training budget.
                var trainsItself = estimator == ShortTraining.Name;
                foreach (var (key, value) in items.Where(i => i.Key is not ("sampler" or "estimator" or "seed") && (trainsItself || i.Key != "steps")))
                {
                    if (value.IsObject() || value.IsArray())
                        throw Invalid($"strategies.{id}.{key}", "{...}", "a plain value (a number or a word), not a block or a list");
                    settings[key] = value.GetString();
                }
                if (estimator is not null && !trainsItself && search.HasPath($"strategies.{id}.steps"))
                    throw Invalid($"strategies.{id}.steps", search.GetString($"strategies.{id}.steps"), "no steps: an estimator trains nothing");
                var strategy = new StrategySpec(id, sampler, (ulong)Int($"strategies.{id}.seed", index + 1, min: 0),
                                                estimator is null ? Int($"strategies.{id}.steps", defaultSteps, min: 1) : 0, settings) { IsEstimator = estimator is not null };
                // Built once here so that a bad setting fails the spec, not a trainer or an evaluator later.
                if (strategy.IsEstimator) strategy.EstimatorSettings($"{source}: search.strategies.{id}");
                else strategy.CreateSampler(SearchSpaces.Get(space), seed: 0, stepsPerEpoch: 1, $"{source}: search.strategies.{id}");
                return strategy;
            }).ToArray();
        }
    }
}

/// <summary>The data set and how it is cut: validation images score child models (a subset of them per evaluation).</summary>
public sealed record DataSpec(string Dataset, string? Directory, int ImageSize, int ValidationSize, int EvaluationImages);

/// <summary>Supernet size: C channels, N cells per stage.</summary>
public sealed record NetworkSpec(int Channels, int CellsPerStage);

/// <summary>Supernet training per strategy: steps, batch, checkpoint interval, learning rate and intra-op threads.</summary>
public sealed record TrainingSpec(int Steps, int BatchSize, int CheckpointEvery, double LearningRate, int Threads);

/// <summary>One strategy of a run: its id in the run, the sampler it uses, that sampler's seed, the steps its supernet
/// trains and its own settings (see <see cref="Samplers"/> and <see cref="AlignmentSettings"/>). An estimator strategy
/// (<see cref="IsEstimator"/>) names a zero-cost estimator in <see cref="Sampler"/> and trains nothing.</summary>
public sealed record StrategySpec(string Id, string Sampler, ulong Seed, int Steps, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>True when the strategy scores children with a zero-cost estimator instead of a trained supernet.</summary>
    public bool IsEstimator { get; init; }

    /// <summary>The estimator's settings (a zero-cost one's batch size, batches and initialisations; short training's
    /// steps, batch size and learning rate), and the child models' shape when it differs from the supernet's
    /// (<c>channels</c>, <c>cells</c>: a benchmark may train a shallower supernet than the children it ranks); an unknown
    /// or out-of-range setting throws, naming it.</summary>
    public EstimatorSpec EstimatorSettings(string source)
    {
        var settings = new StrategySettings(Settings, source);
        ZeroCostSettings? zeroCost = null;
        ShortTrainingSettings? training = null;
        if (Sampler == ShortTraining.Name) training = ReadShortTraining(settings);
        else
        {
            var defaults = new ZeroCostSettings();
            zeroCost = new ZeroCostSettings(settings.Int("batch-size", defaults.BatchSize, min: 2, max: 4096),
                                            settings.Int("batches", defaults.Batches, min: 1, max: 64),
                                            settings.Int("initialisations", defaults.Initialisations, min: 1, max: 16));
        }
        var estimator = new EstimatorSpec(zeroCost ?? new ZeroCostSettings(),
                                          settings.Values.ContainsKey("channels") ? settings.Int("channels", 0, min: 1, max: 1024) : null,
                                          settings.Values.ContainsKey("cells") ? settings.Int("cells", 0, min: 1, max: 64) : null) { ShortTraining = training };
        settings.RejectUnknown(Sampler);
        return estimator;
    }

    /// <summary>Fine-tuning of each child before it is scored with inherited weights (<c>fine-tune = STEPS</c>,
    /// <c>fine-tune-lr</c>, <c>fine-tune-batch</c>); null when off, as by default.</summary>
    public ShortTrainingSettings? FineTuning(string source)
    {
        if (IsEstimator) return null;
        var settings = new StrategySettings(Settings, source);
        return ReadFineTuning(settings);
    }

    static ShortTrainingSettings? ReadFineTuning(StrategySettings settings)
    {
        var steps = settings.Int("fine-tune", 0, min: 0, max: 100_000);
        // Inherited weights are trained already: the supernet's learning rate, not a stand-alone run's, by default.
        var fineTuning = new ShortTrainingSettings(steps, settings.Int("fine-tune-batch", 128, min: 2, max: 4096),
                                                   settings.Double("fine-tune-lr", SgdSettings.Supernet.LearningRate, min: 1e-6, max: 10));
        return steps == 0 ? null : fineTuning;
    }

    static ShortTrainingSettings ReadShortTraining(StrategySettings settings)
    {
        var defaults = new ShortTrainingSettings();
        return new ShortTrainingSettings(settings.Int("steps", defaults.Steps, min: 1, max: 100_000),
                                         settings.Int("batch-size", defaults.BatchSize, min: 2, max: 4096),
                                         settings.Double("learning-rate", defaults.LearningRate, min: 1e-6, max: 10));
    }

    /// <summary>The strategy's sampler and MAGIC-A settings; an unknown or out-of-range setting throws, naming it.</summary>
    public (IPathSampler Sampler, AlignmentSettings Alignment) CreateSampler(IChoiceSpace space, ulong seed, int stepsPerEpoch, string source)
    {
        var settings = new StrategySettings(Settings, source);
        var sampler = Samplers.Create(Sampler, new SamplerContext(space, seed, settings, Steps, stepsPerEpoch));
        var alignment = AlignmentSettings.From(settings);
        ReadFineTuning(settings);
        settings.RejectUnknown(Sampler);
        return (sampler, alignment);
    }

    /// <summary>The few-shot plan, for a <c>fewshot</c> or <c>fewshot-gm</c> strategy (the trainer and the evaluators
    /// build the same).</summary>
    public FewShotSplit? FewShotPlan(IChoiceSpace space) =>
        FewShotSplit.Of(Sampler, new SamplerContext(space, 0, new StrategySettings(Settings, Id), Steps, 1));
}

/// <summary>A zero-cost estimator's settings, and the child models' C and N when they are not the supernet's.</summary>
public sealed record EstimatorSpec(ZeroCostSettings Settings, int? Channels, int? Cells)
{
    /// <summary>Set for the short-training estimator (then <see cref="Settings"/> is unused).</summary>
    public ShortTrainingSettings? ShortTraining { get; init; }
}

/// <summary>How evaluations are retried, faults to inject for tests and demos, and whether every committed checkpoint
/// (not only the final weights) scores the ground-truth architectures, for ranking quality over training time.</summary>
public sealed record EvaluationSpec(int MaxAttempts, FaultInjection Faults, bool ProbeCheckpoints = false);

/// <summary>Evaluator faults on purpose: fail every k-th evaluation, fail with probability p, kill the evaluator at the n-th,
/// and hold each evaluation <paramref name="DelaySeconds"/> longer (a slow evaluator, so that one can be lost mid-evaluation).</summary>
public sealed record FaultInjection(int FailEvery, double FailProbability, int KillEvaluatorAt, double DelaySeconds = 0)
{
    public bool Any => FailEvery > 0 || FailProbability > 0 || KillEvaluatorAt > 0 || DelaySeconds > 0;
}
