using System.Text.Json;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Evolution;

/// <summary>Regularized ("aging") evolution (Real et al. 2019) as an ask/tell loop: <see cref="Propose"/> hands out
/// architectures to evaluate and <see cref="Report"/> takes their results, in any order.</summary>
/// <remarks>Only <see cref="Propose"/> draws random numbers, so the same seed and the same sequence of calls give the
/// same proposals: an event-sourced run that replays its calls after a crash continues where it stopped.</remarks>
public sealed class RegularizedEvolution
{
    const int StateFormat = 1;

    // A converged population, or a small space, may have no unproposed child within reach: then a repeat is
    // accepted rather than searching forever.
    const int DuplicateAttempts = 100;

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // A state cut short or edited by hand must fail on restore, not come back with zeros and nulls.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    readonly IChoiceSpace _space;
    readonly Rng _rng;
    readonly int[] _mutableDecisions;
    readonly List<(Architecture Architecture, double Fitness)> _history = [];
    // In proposal order; a repeat accepted after the retries is here twice and must be reported twice.
    readonly List<Architecture> _outstanding = [];
    // Functions proposed so far (canonical forms where the space has them): two strings of one function are one child.
    readonly HashSet<Architecture> _proposed = [];
    (Architecture Architecture, double Fitness)? _best;

    public RegularizedEvolution(IChoiceSpace space, EvolutionSettings settings, ulong seed)
        : this(space, settings, new Rng(seed))
    {
    }

    RegularizedEvolution(IChoiceSpace space, EvolutionSettings settings, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _space = space;
        Settings = settings;
        _rng = rng;
        // A decision with a single option cannot be mutated.
        _mutableDecisions = Enumerable.Range(0, space.Decisions.Count).Where(d => space.Decisions[d].OptionCount > 1).ToArray();
    }

    public EvolutionSettings Settings { get; }

    /// <summary>Architectures handed out by <see cref="Propose"/>.</summary>
    public int Proposed => _history.Count + _outstanding.Count;

    /// <summary>Results received by <see cref="Report"/>.</summary>
    public int Reported => _history.Count;

    public int Outstanding => Proposed - Reported;

    public bool BudgetSpent => Proposed >= Settings.Budget;

    public bool IsComplete => Reported >= Settings.Budget;

    /// <summary>Every result, in report order.</summary>
    public IReadOnlyList<(Architecture Architecture, double Fitness)> History => _history.AsReadOnly();

    /// <summary>The population parents are drawn from, oldest first.</summary>
    public IReadOnlyList<(Architecture Architecture, double Fitness)> Population =>
        _history.GetRange(PopulationStart, _history.Count - PopulationStart);

    /// <summary>The highest fitness reported so far (the first one reported on ties); null before any result.</summary>
    public (Architecture Architecture, double Fitness)? Best => _best;

    // Aging removes the oldest member by report order once the population is full, so the population is always
    // the last PopulationSize results of the history: it needs no storage of its own.
    int PopulationStart => Math.Max(0, _history.Count - Settings.PopulationSize);

    /// <summary>The next architecture to evaluate, or null once <see cref="EvolutionSettings.Budget"/> architectures
    /// have been proposed. A repeat of an earlier proposal's function (its canonical form, where the space has them) is
    /// given only when 100 tries found nothing new.</summary>
    public Architecture? Propose()
    {
        if (BudgetSpent) return null;
        var child = Candidate();
        for (var attempt = 1; attempt < DuplicateAttempts && _proposed.Contains(FunctionOf(child)); attempt++) child = Candidate();
        _proposed.Add(FunctionOf(child));
        _outstanding.Add(child);
        return child;
    }

    Architecture FunctionOf(Architecture architecture) => _space.HasCanonicalForms ? _space.Canonicalize(architecture) : architecture;

    Architecture Candidate()
    {
        // The initial population counts proposals, not results, so that several actors can start evaluating at once.
        // Past it, while no result has come back there is nothing to evolve from, and a random draw loses nothing.
        if (Proposed < Settings.PopulationSize || _history.Count == 0) return ArchitectureSampling.Uniform(_space, _rng);
        var child = Tournament();
        if (_rng.NextDouble() < Settings.CrossoverProbability) child = Crossover(child, Tournament());
        return Mutate(child);
    }

    Architecture Tournament()
    {
        // Contenders are drawn with replacement, as in NAS-Bench-201's regularized_ea.py; this also lets a tournament
        // run on a population that is still filling up because results are slow to come back.
        var start = PopulationStart;
        var size = _history.Count - start;
        var winner = _history[start + _rng.NextInt(size)];
        for (var i = 1; i < Settings.SampleSize; i++)
        {
            var contender = _history[start + _rng.NextInt(size)];
            if (contender.Fitness > winner.Fitness) winner = contender;
        }
        return winner.Architecture;
    }

    Architecture Crossover(Architecture first, Architecture second)
    {
        var choices = new int[first.DecisionCount];
        for (var d = 0; d < choices.Length; d++) choices[d] = _rng.NextInt(2) == 0 ? first[d] : second[d];
        return new Architecture(_space, choices);
    }

    Architecture Mutate(Architecture parent)
    {
        if (_mutableDecisions.Length == 0) return parent;
        var decision = _mutableDecisions[_rng.NextInt(_mutableDecisions.Length)];
        // One of the other options, each equally likely: skip over the current one.
        var option = _rng.NextInt(_space.Decisions[decision].OptionCount - 1);
        return parent.With(decision, option >= parent[decision] ? option + 1 : option);
    }

    /// <summary>Takes the result of a proposed architecture not yet reported: it joins the history and the population,
    /// whose oldest member (by report order) leaves once the population exceeds <see cref="EvolutionSettings.PopulationSize"/>.</summary>
    public void Report(Architecture architecture, double fitness)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (!double.IsFinite(fitness))
            throw new ArgumentOutOfRangeException(nameof(fitness), fitness, $"the fitness of {architecture} must be a finite number");
        var at = _outstanding.IndexOf(architecture);
        if (at < 0)
            throw new ArgumentException($"{architecture} is not awaiting a result: it was never proposed or was already reported", nameof(architecture));
        _outstanding.RemoveAt(at);
        Record(architecture, fitness);
    }

    void Record(Architecture architecture, double fitness)
    {
        _history.Add((architecture, fitness));
        _proposed.Add(FunctionOf(architecture));
        if (_best is null || fitness > _best.Value.Fitness) _best = (architecture, fitness);
    }

    /// <summary>The whole state as JSON: settings, generator, results in report order and proposals awaiting results.
    /// Counters, population and best are not stored because they follow from these.</summary>
    public string SaveState() => JsonSerializer.Serialize(
        new SavedState(
            StateFormat,
            _space.Name,
            new SavedSettings(Settings.PopulationSize, Settings.SampleSize, Settings.Budget, Settings.CrossoverProbability),
            _rng.SaveState(),
            _history.Select(r => new SavedResult(r.Architecture.Index, r.Fitness)).ToArray(),
            _outstanding.Select(a => a.Index).ToArray()),
        Json);

    /// <summary>An instance that continues exactly as the one that saved <paramref name="state"/> would have.</summary>
    public static RegularizedEvolution Restore(IChoiceSpace space, string state)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            var saved = JsonSerializer.Deserialize<SavedState>(state, Json) ?? throw new NasException("it is null");
            if (saved.Format != StateFormat)
                throw new NasException($"its format is {saved.Format}, this version reads format {StateFormat} only");
            if (saved.Space != space.Name)
                throw new NasException($"it belongs to search space '{saved.Space}', not '{space.Name}'");
            var settings = new EvolutionSettings(
                saved.Settings.PopulationSize, saved.Settings.SampleSize, saved.Settings.Budget, saved.Settings.CrossoverProbability);
            var evolution = new RegularizedEvolution(space, settings, Rng.FromState(saved.Rng));
            if (saved.History.Length + saved.Outstanding.Length > settings.Budget)
                throw new NasException(
                    $"it holds {saved.History.Length + saved.Outstanding.Length} proposals, more than its budget of {settings.Budget}");
            foreach (var result in saved.History)
            {
                if (result is null) throw new NasException("its history holds a null result");
                if (!double.IsFinite(result.Fitness)) throw new NasException($"its history holds a fitness of {result.Fitness}");
                evolution.Record(Architecture.FromIndex(space, result.Architecture), result.Fitness);
            }
            foreach (var index in saved.Outstanding)
            {
                var architecture = Architecture.FromIndex(space, index);
                evolution._outstanding.Add(architecture);
                evolution._proposed.Add(evolution.FunctionOf(architecture));
            }
            return evolution;
        }
        catch (Exception e) when (e is JsonException or NasException)
        {
            throw new NasException($"malformed regularized-evolution state: {e.Message}", e);
        }
    }

    sealed record SavedState(int Format, string Space, SavedSettings Settings, string Rng, SavedResult[] History, long[] Outstanding);

    // Not EvolutionSettings itself: its defaults would fill in settings missing from a damaged state.
    sealed record SavedSettings(int PopulationSize, int SampleSize, int Budget, double CrossoverProbability);

    sealed record SavedResult(long Architecture, double Fitness);
}
