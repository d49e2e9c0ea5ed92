using System.Globalization;
using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;
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
    string Text,
    IReadOnlyList<CombinationSpec> Combinations)
{
    /// <summary>The longest spec text read: a spec is a page of settings, and Akka's parser takes time and stack that grow
    /// with the text.</summary>
    public const int MaxTextLength = 64 * 1024;

    /// <summary>How deeply blocks and lists may nest (the demo's deepest is 4).</summary>
    public const int MaxNesting = 32;

    /// <summary>The most memory one training step's activations may take, by <see cref="StepMemory"/>'s estimate.</summary>
    public const long MaxStepBytes = 32L << 30;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates a spec file; every problem names the setting (or the line) and what is allowed.</summary>
    public static SearchSpec Load(string path)
    {
        if (!File.Exists(path)) throw new NasException($"search spec '{path}' does not exist; see hocon/searches/demo.conf for an example");
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            // Read at most one byte past the limit: a device or an endless file must not be read whole to learn it is too long.
            var buffer = new byte[MaxTextLength * 4 + 1];
            var length = 0;
            for (int read; length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0;) length += read;
            bytes = buffer[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NasException($"search spec '{path}' cannot be read: {e.Message}");
        }
        return ParseUtf8(bytes, path);
    }

    /// <summary>Parses a spec from the bytes of a file, as <see cref="Load"/> does: UTF-8, with or without a byte order mark.</summary>
    public static SearchSpec ParseUtf8(ReadOnlySpan<byte> bytes, string source = "spec")
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        if (bytes.Length > MaxTextLength * 4) throw TooLong(source);
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new NasException($"{source}: not UTF-8 text (byte {e.Index} of the file is not valid UTF-8): save the spec as UTF-8");
        }
        return Parse(text, source);
    }

    public static SearchSpec Parse(string text, string source = "spec")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxTextLength) throw TooLong(source);
        HoconSyntax.Check(text, source);
        var root = ParseHocon(text, source);
        CheckTree(root, source);
        var top = root.GetObject() ?? throw new NasException($"{source}: no 'search {{ ... }}' block");
        if (!top.Items.TryGetValue("search", out var searchValue) || SpecReader.IsNull(searchValue))
            throw new NasException($"{source}: no 'search {{ ... }}' block");
        if (!searchValue.IsObject())
            throw new NasException($"{source}: search = {SpecReader.Describe(searchValue)} is invalid: expected a block search {{ ... }}");
        var reader = new SpecReader(searchValue.GetObject(), source, "search");
        var space = reader.String("space", "nb201");
        if (!SearchSpaces.Names.Contains(space))
            throw reader.Invalid("space", space, $"a known space ({string.Join(", ", SearchSpaces.Names)})");
        var supernet = new NetworkSpec(reader.Int("supernet.channels", 8, min: 1, max: 1024), reader.Int("supernet.cells", 1, min: 1, max: 64));
        var training = new TrainingSpec(reader.Int("training.steps", 600, min: 1), reader.Int("training.batch-size", 128, min: 1, max: 4096),
            reader.Int("training.checkpoint-every", 100, min: 1), reader.Double("training.learning-rate", 0.025, min: 1e-9, max: 10),
            reader.Int("training.threads", 1, min: 1, max: 64), reader.OptionalString("training.tensorboard"));
        if (training.TensorBoard is { } tensorBoard && string.IsNullOrWhiteSpace(tensorBoard))
            throw reader.Invalid("training.tensorboard", $"\"{tensorBoard}\"", "a folder for TensorBoard event files, or the setting left out");
        var data = reader.Data(training.BatchSize);
        reader.CheckStepMemory("training.batch-size", training.BatchSize, supernet.Channels, supernet.CellsPerStage, data, "the supernet");
        var strategies = reader.Strategies(training, space, supernet, data);
        var combinations = reader.Combinations(strategies);
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
        if (groundTruth is { Length: 0 }) throw reader.Invalid("ground-truth", "\"\"", "the path of a ground-truth CSV file, or the setting left out");
        var name = reader.String("name", "search");
        // The name begins the search's id, which names its checkpoint directory and its journal.
        if (!IsSafeName(name)) throw reader.Invalid("name", name, "1 to 100 characters, without / or \\ or control characters, not . or ..");
        return new SearchSpec(name, space, data, supernet, training, strategies, evolution, evaluation,
            (ulong)reader.Int("seed", 1, min: 0), groundTruth, text, combinations);
    }

    /// <summary>The spec with <c>training.tensorboard</c> set to <paramref name="folder"/> (a later key overrides an
    /// earlier one in HOCON, so the journaled text says where the event files go).</summary>
    public SearchSpec WithTensorBoard(string folder) =>
        Parse(Text.TrimEnd() + "\nsearch.training.tensorboard = " + System.Text.Json.JsonSerializer.Serialize(folder) + "\n", "spec with --tensorboard");

    /// <summary>Whether <paramref name="name"/> can name a directory of its own (a search's or a strategy's checkpoints).</summary>
    static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 100 && !string.IsNullOrWhiteSpace(name) && name is not ("." or "..")
        && !name.Any(c => c is '/' or '\\' || char.IsControl(c));

    static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("#,0.##", System.Globalization.CultureInfo.InvariantCulture);

    static NasException TooLong(string source) =>
        new($"{source}: a search spec is at most {MaxTextLength / 1024} KiB of text; this one is longer");

    /// <summary>Akka's parser recurses once per level of nesting, a dotted key's every segment included, and a stack
    /// overflow ends the process past every catch: it parses on a thread whose stack the longest text allowed cannot
    /// exhaust (measured: 32,768 levels take well under 16 MiB).</summary>
    static HoconValue ParseHocon(string text, string source)
    {
        Config? config = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                config = ConfigurationFactory.ParseString(text);
            }
            catch (Exception e)
            {
                error = e;
            }
        }, maxStackSize: 64 * 1024 * 1024) { Name = "hocon-parse", IsBackground = true };
        thread.Start();
        // Text this short parses in seconds at worst; a parser that runs on is refused rather than waited for.
        if (!thread.Join(TimeSpan.FromSeconds(30))) throw new NasException($"{source}: malformed HOCON: the parser did not finish within 30 s");
        if (error is NasException nas) throw nas;
        if (error is not null) throw new NasException(ParserError(text, source, error.Message));
        return config?.Root ?? throw new NasException($"{source}: malformed HOCON: nothing parsed");
    }

    /// <summary>Akka's message in one line, with the line of the position it names ("Unknown token at position 812: ...",
    /// followed by the text around it and a caret).</summary>
    static string ParserError(string text, string source, string message)
    {
        var first = message.Split('\n', 2)[0].Trim().TrimEnd(':');
        var at = System.Text.RegularExpressions.Regex.Match(first, @"at position (\d+)");
        if (!at.Success || !int.TryParse(at.Groups[1].Value, out var position)) return $"{source}: malformed HOCON: {first}";
        position = Math.Min(position, text.Length);
        var line = 1 + text.AsSpan(0, position).Count('\n');
        var near = text[position..].Split('\n', 2)[0].Trim();
        near = near.Length > 30 ? near[..30] + "..." : near;
        // Akka's parser takes no comma after a block, which HOCON allows.
        var hint = near.StartsWith(',') && text[..position].TrimEnd().EndsWith('}') ? " (no comma after a block here: start the next setting on a new line)" : "";
        return $"{source}:{line}: malformed HOCON: {first}, at '{near}'{hint}";
    }

    /// <summary>Refuses substitutions and deep nesting before any value is read. Akka resolves <c>${...}</c> lazily and
    /// recurses without end on a cycle (<c>a = ${a}</c>) or an optional one left unresolved; a spec is journaled and must
    /// read the same on every resume, so it holds values, not references. Walked with a stack of its own, not recursion.</summary>
    static void CheckTree(HoconValue root, string source)
    {
        var pending = new Stack<(HoconValue Value, string Path, int Depth)>();
        pending.Push((root, "", 0));
        while (pending.TryPop(out var item))
        {
            if (item.Depth > MaxNesting)
                throw new NasException($"{source}: {item.Path} nests blocks and lists deeper than {MaxNesting} levels");
            foreach (var element in item.Value.Values)
            {
                switch (element)
                {
                    case HoconSubstitution substitution:
                        // An optional one (${?X}) is parsed without its path.
                        var reference = string.IsNullOrEmpty(substitution.Path) ? "a substitution ${...}" : $"the substitution ${{{substitution.Path}}}";
                        throw new NasException($"{source}: {(item.Path.Length == 0 ? "the spec" : item.Path)} uses {reference}: " +
                                               "a search spec holds values only (write the value itself)");
                    case HoconObject block:
                        foreach (var (key, value) in block.Items) pending.Push((value, item.Path.Length == 0 ? key : $"{item.Path}.{key}", item.Depth + 1));
                        break;
                    case HoconArray list:
                        for (var i = 0; i < list.Count; i++) pending.Push((list[i], $"{item.Path}[{i}]", item.Depth + 1));
                        break;
                }
            }
        }
    }

    /// <summary>Reads settings with defaults and range checks, naming the full path of whatever is wrong. A block where a
    /// value belongs, a value or list where a block belongs, is refused, never read as "left out".</summary>
    sealed class SpecReader(HoconObject block, string source, string prefix)
    {
        public NasException Invalid(string path, object value, string expected) =>
            new($"{source}: {prefix}.{path} = {value} is invalid: expected {expected}");

        /// <summary>The settings of this block, as written.</summary>
        IEnumerable<KeyValuePair<string, HoconValue>> Items => block.Items;

        /// <summary>HOCON's null: the setting left out.</summary>
        public static bool IsNull(HoconValue value) => value.IsString() && value.GetString() is null;

        /// <summary>A value as a message shows it: the text of a plain one, the shape of a block or a list.</summary>
        public static string Describe(HoconValue value) =>
            value.IsObject() ? "{ ... }" : value.IsEmpty ? "(nothing)" : value.IsString() ? value.GetString() ?? "null" : "[ ... ]";

        /// <summary>The value at a dotted path under this block; null when it (or a block on the way) is left out.</summary>
        HoconValue? Find(string path)
        {
            var keys = path.Split('.');
            var current = block;
            for (var i = 0; ; i++)
            {
                if (!current.Items.TryGetValue(keys[i], out var value) || IsNull(value)) return null;
                if (i == keys.Length - 1) return value;
                current = AsBlock(string.Join('.', keys[..(i + 1)]), value);
            }
        }

        HoconObject AsBlock(string path, HoconValue value) =>
            value.IsObject() ? value.GetObject() : throw Invalid(path, Describe(value), $"a block {path.Split('.')[^1]} {{ ... }}");

        /// <summary>The text of a plain value; null when left out.</summary>
        string? Plain(string path) => Find(path) is { } value ? PlainValue(path, value) : null;

        string? PlainValue(string path, HoconValue value) =>
            value.IsString() ? value.GetString()
            : throw Invalid(path, Describe(value), value.IsEmpty ? "a value (a number or a word)" : "a plain value (a number or a word), not a block or a list");

        public string String(string path, string fallback) => Plain(path) ?? fallback;

        public string? OptionalString(string path) => Plain(path);

        public int Int(string path, int fallback, int min = int.MinValue, int max = int.MaxValue)
        {
            if (Plain(path) is not { } text) return fallback;
            if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
                throw Invalid(path, text, "a whole number");
            if (value < min || value > max) throw Invalid(path, value, max == int.MaxValue ? $"at least {min}" : $"{min} to {max}");
            return value;
        }

        public bool Bool(string path, bool fallback)
        {
            if (Plain(path) is not { } text) return fallback;
            return text.ToLowerInvariant() switch
            {
                "on" or "true" or "yes" => true,
                "off" or "false" or "no" => false,
                _ => throw Invalid(path, text, "on or off"),
            };
        }

        public double Double(string path, double fallback, double min, double max)
        {
            if (Plain(path) is not { } text) return fallback;
            if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
                throw Invalid(path, text, "a number");
            if (!(value >= min && value <= max)) throw Invalid(path, value.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{min} to {max}");
            return value;
        }

        /// <summary>search.data, checked against the data set it names: its images must fit in memory at the size asked for,
        /// and the validation part must leave the supernet's batches images to train on.</summary>
        public DataSpec Data(int batchSize)
        {
            var dataset = String("data.dataset", "fashion-mnist");
            if (!DataSets.Names.Contains(dataset, StringComparer.OrdinalIgnoreCase))
                throw Invalid("data.dataset", dataset, $"a known data set ({string.Join(", ", DataSets.Names)})");
            var dataDirectory = OptionalString("data.data-dir");
            if (dataDirectory is { Length: 0 }) throw Invalid("data.data-dir", "\"\"", "a directory, or the setting left out for the data set's own");
            var shape = DataSpec.ShapeOf(dataset);
            var imageSize = Int("data.image-size", 16, min: 4);
            var maxImageSize = (int)Math.Sqrt((double)DataSpec.MaxTensorBytes / ((long)(shape.TrainImages + shape.TestImages) * shape.Channels * sizeof(float)));
            if (imageSize > maxImageSize)
                throw Invalid("data.image-size", imageSize,
                    $"4 to {maxImageSize}: {dataset}'s {shape.TrainImages + shape.TestImages:N0} images at {imageSize}x{imageSize} would take " +
                    $"{Gib(DataSpec.TensorBytesOf(shape, imageSize))} GiB of memory as float32 tensors, more than the " +
                    $"{DataSpec.MaxTensorBytes >> 30} GiB a data set may take");
            var maxValidation = shape.TrainImages - batchSize;
            var validationSize = Int("data.validation-size", 10_000, min: 1);
            // The supernet trains on what validation leaves, in full batches.
            if (validationSize > maxValidation)
                throw Invalid("data.validation-size", validationSize,
                    $"1 to {maxValidation}: {dataset} has {shape.TrainImages:N0} training images, and the validation part must leave " +
                    $"at least one batch ({batchSize}) of them for the supernet to train on");
            // Scored images come from the held-out ones: asking for more would silently score fewer.
            var evaluationImages = Int("data.evaluation-images", Math.Min(2_000, validationSize), min: 1, max: validationSize);
            return new DataSpec(dataset, dataDirectory, imageSize, validationSize, evaluationImages);
        }

        /// <summary>Refuses a network and batch whose one training step would not fit in memory (<see cref="StepMemory"/>).</summary>
        public void CheckStepMemory(string path, int batchSize, int channels, int cells, DataSpec data, string what)
        {
            var bytes = StepMemory(batchSize, channels, cells, data.ImageSize);
            if (bytes > MaxStepBytes)
                throw Invalid(path, batchSize,
                    $"a smaller batch, network or image: one training step of {what} (C={channels}, N={cells}, {data.ImageSize}x{data.ImageSize} " +
                    $"images, batch {batchSize}) keeps about {Gib(bytes)} GiB of activations, more than {MaxStepBytes >> 30} GiB");
        }

        /// <summary>search.strategies { ID { sampler = NAME, seed = N, steps = S, SETTING = VALUE ... } ... }: one supernet per
        /// entry, ordered by id. Every other key is a setting of the strategy (or MAGIC-A's), checked here. An entry
        /// <c>ID { estimator = NAME, seed = N, SETTING = VALUE }</c> trains nothing: its evolution and ground-truth
        /// probes are scored by a zero-cost estimator on freshly initialised children.</summary>
        public IReadOnlyList<StrategySpec> Strategies(TrainingSpec training, string space, NetworkSpec supernet, DataSpec data)
        {
            if (Find("strategies") is not { } value)
                throw new NasException($"{source}: {prefix}.strategies is missing: name at least one, e.g. strategies {{ uniform {{ sampler = uniform }} }}");
            if (!value.IsObject())
                throw Invalid("strategies", Describe(value), "a block of strategies, e.g. strategies { uniform { sampler = uniform } }");
            var entries = value.GetObject().Items.Where(e => !IsNull(e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal).ToArray();
            if (entries.Length == 0) throw new NasException($"{source}: {prefix}.strategies is empty: name at least one strategy");
            return entries.Select((entry, index) => Strategy(entry.Key, entry.Value, index, training, space, supernet, data)).ToArray();
        }

        StrategySpec Strategy(string id, HoconValue value, int index, TrainingSpec training, string space, NetworkSpec supernet, DataSpec data)
        {
            // The id names the strategy's checkpoint directory.
            if (!IsSafeName(id)) throw Invalid($"strategies.{id}", "{ ... }", "an id of 1 to 100 characters, without / or \\ or control characters");
            var entry = new SpecReader(AsBlock($"strategies.{id}", value), source, $"{prefix}.strategies.{id}");
            var estimator = entry.OptionalString("estimator");
            if (estimator is not null && entry.Find("sampler") is not null)
                throw Invalid($"strategies.{id}", "{ sampler, estimator }", "either a sampler (a supernet to train) or an estimator (no supernet), not both");
            var sampler = estimator ?? entry.String("sampler", id);
            if (estimator is not null && !EstimatorCatalog.IsKnown(estimator))
                throw Invalid($"strategies.{id}.estimator", estimator, $"a known estimator ({string.Join(", ", EstimatorCatalog.Names)})");
            if (estimator is null && !Samplers.IsKnown(sampler))
                throw Invalid($"strategies.{id}.sampler", sampler, $"a known strategy ({string.Join(", ", Samplers.Names)}) or, as estimator = NAME, " +
                                                                   $"an estimator ({string.Join(", ", EstimatorCatalog.Names)})");
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            // Short training's steps are its own setting; a supernet's are its training budget.
            var trainsItself = estimator == ShortTraining.Name;
            foreach (var (key, setting) in entry.Items.Where(i => i.Key is not ("sampler" or "estimator" or "seed") && (trainsItself || i.Key != "steps")))
            {
                if (entry.PlainValue(key, setting) is { } text) settings[key] = text;
            }
            if (estimator is not null && !trainsItself && entry.Plain("steps") is { } steps)
                throw Invalid($"strategies.{id}.steps", steps, "no steps: an estimator trains nothing");
            var strategy = new StrategySpec(id, sampler, (ulong)entry.Int("seed", index + 1, min: 0),
                                            estimator is null ? entry.Int("steps", training.Steps, min: 1) : 0, settings) { IsEstimator = estimator is not null };
            // Built once here so that a bad setting fails the spec, not a trainer or an evaluator later.
            var at = $"{source}: {prefix}.strategies.{id}";
            if (strategy.IsEstimator)
            {
                var estimate = strategy.EstimatorSettings(at);
                var batch = estimate.ShortTraining?.BatchSize ?? estimate.Settings.BatchSize;
                CheckStepMemory($"strategies.{id}.batch-size", batch, estimate.Channels ?? supernet.Channels, estimate.Cells ?? supernet.CellsPerStage,
                                data, $"estimator {id}'s children");
            }
            else
            {
                strategy.CreateSampler(SearchSpaces.Get(space), seed: 0, stepsPerEpoch: 1, at);
                // NAS-LID's estimate takes its neighbours from one training batch.
                if (strategy.FewShotPlan(SearchSpaces.Get(space)) is { Criterion: SplitCriterion.IntrinsicDimension } lid && lid.LidNeighbours >= training.BatchSize)
                    throw Invalid($"strategies.{id}.lid-k", lid.LidNeighbours.ToString(CultureInfo.InvariantCulture),
                                  $"fewer neighbours than training.batch-size ({training.BatchSize}) images: lower lid-k or raise the batch size");
                if (strategy.FineTuning(at) is { } fineTuning)
                    CheckStepMemory($"strategies.{id}.fine-tune-batch", fineTuning.BatchSize, supernet.Channels, supernet.CellsPerStage, data,
                                    $"strategy {id}'s fine-tuning");
            }
            return strategy;
        }

        /// <summary>search.combine { ID = [A, B, ...] }: each entry ranks children by the mean of their ranks under two
        /// or more of the spec's strategies (see <see cref="CombinationSpec"/>). Left out: none.</summary>
        public IReadOnlyList<CombinationSpec> Combinations(IReadOnlyList<StrategySpec> strategies)
        {
            const string example = "e.g. combine { blend = [uniform, jacob] } with strategies uniform and jacob";
            if (Find("combine") is not { } value) return [];
            if (!value.IsObject()) throw Invalid("combine", Describe(value), $"a block of combined estimators, {example}");
            var ids = strategies.Select(s => s.Id).ToArray();
            return value.GetObject().Items.Where(e => !IsNull(e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal).Select(entry =>
            {
                var (id, members) = (entry.Key, entry.Value);
                var path = $"combine.{id}";
                // The id stands beside strategies' ids in rankings, exports and file names.
                if (!IsSafeName(id)) throw Invalid(path, Describe(members), "an id of 1 to 100 characters, without / or \\ or control characters");
                if (ids.Contains(id)) throw Invalid(path, Describe(members), $"an id of its own: {id} is already a strategy's");
                if (!members.IsArray()) throw Invalid(path, Describe(members), $"a list of two or more of the spec's strategies, {example}");
                var names = members.GetArray().Select((member, i) => PlainValue($"{path}[{i}]", member) ?? "").ToArray();
                foreach (var name in names.Where(n => !ids.Contains(n)))
                    throw Invalid(path, $"[{string.Join(", ", names)}]", $"strategies of this spec ({string.Join(", ", ids)}); {name} is not one");
                if (names.Distinct().Count() != names.Length || names.Length < 2)
                    throw Invalid(path, $"[{string.Join(", ", names)}]", "two or more different strategies of this spec");
                return new CombinationSpec(id, names);
            }).ToArray();
        }
    }

    /// <summary>A rough upper estimate of the memory one training step's activations take: an NB201 cell keeps about 24
    /// feature maps for the backward pass (6 edges' activation, convolution and normalisation, the nodes' sums), the second
    /// and third stages hold half and a quarter of the first's; float32.</summary>
    public static long StepMemory(int batchSize, int channels, int cells, int imageSize) =>
        (long)Math.Min(long.MaxValue, 4.0 * batchSize * channels * imageSize * imageSize * 1.75 * (24.0 * cells + 8));
}

/// <summary>A combined estimator: children ranked by the mean of their ranks under each of <paramref name="Members"/>
/// (strategies of the same run), every member weighing alike whatever the scale of its scores. A rule fixed in advance,
/// not fitted to any table. It ranks the children every member scored: each member also scores the best
/// <see cref="CandidatesPerMember"/> functions of the others' evolutions, and every member scores the ground-truth probes.</summary>
public sealed record CombinationSpec(string Id, IReadOnlyList<string> Members)
{
    /// <summary>How many of each member's best functions the other members score (a leaderboard's length).</summary>
    public const int CandidatesPerMember = 10;
}

/// <summary>The data set and how it is cut: validation images score child models (a subset of them per evaluation).</summary>
public sealed record DataSpec(string Dataset, string? Directory, int ImageSize, int ValidationSize, int EvaluationImages)
{
    /// <summary>The most memory a data set's tensors may take: a search process holds its training and test images
    /// (float32, at the spec's image size) beside the networks.</summary>
    public const long MaxTensorBytes = 4L << 30;

    // What the loaders read (FashionMnist, Cifar10); a data set not listed here is checked as the larger of the two.
    static readonly Dictionary<string, DataSetShape> Shapes = new(StringComparer.OrdinalIgnoreCase)
    {
        [DataSets.FashionMnistName] = new(60_000, 10_000, 1),
        [DataSets.Cifar10Name] = new(50_000, 10_000, 3),
    };

    /// <summary>How many images the named data set holds and their channels.</summary>
    public static DataSetShape ShapeOf(string dataset) => Shapes.GetValueOrDefault(dataset, new DataSetShape(60_000, 10_000, 3));

    /// <summary>Bytes the data set's training and test images take as float32 tensors at <paramref name="imageSize"/>.</summary>
    public static long TensorBytesOf(DataSetShape shape, int imageSize) =>
        (long)Math.Min(long.MaxValue, (double)(shape.TrainImages + shape.TestImages) * shape.Channels * imageSize * imageSize * sizeof(float));

    /// <summary>Bytes this spec's data set takes in memory (see <see cref="MaxTensorBytes"/>).</summary>
    public long TensorBytes => TensorBytesOf(ShapeOf(Dataset), ImageSize);
}

/// <summary>A data set's training images (the pool that validation is cut from), its test images and their channels.</summary>
public sealed record DataSetShape(int TrainImages, int TestImages, int Channels);

/// <summary>Supernet size: C channels, N cells per stage.</summary>
public sealed record NetworkSpec(int Channels, int CellsPerStage);

/// <summary>Supernet training per strategy: steps, batch, checkpoint interval, learning rate, intra-op threads and the
/// folder TensorBoard event files go to (null: none written; see docs/tensorboard.md).</summary>
public sealed record TrainingSpec(int Steps, int BatchSize, int CheckpointEvery, double LearningRate, int Threads, string? TensorBoard = null);

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
        // The stand-alone recipe's rate: on the committed table's validation accuracy (one seed, 80 steps) it ranked at
        // 0.671 against 0.523 at the supernet's 0.025 (docs/results.md).
        var fineTuning = new ShortTrainingSettings(steps, settings.Int("fine-tune-batch", 128, min: 2, max: 4096),
                                                   settings.Double("fine-tune-lr", SgdSettings.Standalone.LearningRate, min: 1e-6, max: 10),
                                                   settings.String("fine-tune-scope", "all", ["all", "operations"]) == "operations");
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
