using System.Text.Json.Nodes;
using NasActors.Search.Evolution;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Evolution;

public sealed class RegularizedEvolutionTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;
    static readonly int Conv3x3 = Nb201Space.OperationIndex(Nb201Space.Conv3x3);

    static int Conv3x3Edges(Architecture a) => Enumerable.Range(0, a.DecisionCount).Count(d => a[d] == Conv3x3);

    /// <summary>A fixed function of the architecture, so that a replayed run reports exactly what the original did;
    /// the index term breaks most ties.</summary>
    static double Fitness(Architecture a) => Conv3x3Edges(a) + a.Index % 97 / 1000.0;

    static Architecture[] ProposeMany(RegularizedEvolution evolution, int count) =>
        Enumerable.Range(0, count).Select(_ => evolution.Propose() ?? throw new InvalidOperationException("budget spent")).ToArray();

    /// <summary>Plays an actor-like caller from step <paramref name="from"/> to <paramref name="to"/>: it keeps up to three
    /// evaluations in flight and reports them out of proposal order. Returns the proposals it received.</summary>
    static List<Architecture> Drive(RegularizedEvolution evolution, List<Architecture> inFlight, int from, int to)
    {
        var proposals = new List<Architecture>();
        for (var step = from; step < to; step++)
        {
            if (evolution.Propose() is { } proposed)
            {
                proposals.Add(proposed);
                inFlight.Add(proposed);
            }
            if (inFlight.Count >= 3 || (evolution.BudgetSpent && inFlight.Count > 0))
            {
                var pick = step * 7 % inFlight.Count;
                evolution.Report(inFlight[pick], Fitness(inFlight[pick]));
                inFlight.RemoveAt(pick);
            }
        }
        return proposals;
    }

    static readonly EvolutionSettings DriveSettings = new(PopulationSize: 10, SampleSize: 3, Budget: 60, CrossoverProbability: 0.5);
    const int DriveSteps = 70;  // enough for the 60 proposals and their reports

    [Fact]
    public void Constructor_should_validate_the_settings()
    {
        var error = Assert.Throws<NasException>(() => new RegularizedEvolution(Space, new EvolutionSettings(SampleSize: 0), 1));

        Assert.Contains("SampleSize", error.Message);
    }

    [Fact]
    public void The_initial_population_should_be_uniform_draws_of_distinct_functions_handed_out_before_any_result()
    {
        const int population = 2_000;
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(population, 5, population), 1);

        var drawn = ProposeMany(evolution, population);

        // 2,000 independent draws from 15,625 would repeat a string about 120 times, and a function far more often
        // (a cell with dead edges is computed by many strings): two strings of one function are one child.
        Assert.Equal(population, drawn.Select(Space.Canonicalize).Distinct().Count());
        var counts = new int[Space.Decisions.Count, 5];
        foreach (var a in drawn)
            for (var d = 0; d < a.DecisionCount; d++) counts[d, a[d]]++;
        // Strings are drawn uniformly and a repeat of a function redrawn: every option still appears on every decision,
        // 'none' (which makes aliases) less than the others' 400 or so.
        foreach (var count in counts) Assert.InRange(count, 40, 520);
        Assert.Equal((population, 0, population), (evolution.Proposed, evolution.Reported, evolution.Outstanding));
    }

    [Fact]
    public void Without_crossover_every_child_should_be_one_decision_from_a_member_of_the_population_at_proposal_time()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(5, 5, 200, CrossoverProbability: 0), 2);
        var reports = 0;
        ProposeAndReport(5);

        for (var i = 0; i < 195; i++)
        {
            var population = evolution.Population.Select(m => m.Architecture).ToArray();
            var child = evolution.Propose()!;

            Assert.Contains(population, member => member.DistanceTo(child) == 1);
            evolution.Report(child, FallingFitness(reports++));
        }

        // Fitness falls with report order, so the fittest are always the oldest: selecting from the whole history
        // instead of the aged population would pick parents long removed from it.
        static double FallingFitness(int reportNumber) => -reportNumber;

        void ProposeAndReport(int count)
        {
            foreach (var a in ProposeMany(evolution, count)) evolution.Report(a, FallingFitness(reports++));
        }
    }

    [Fact]
    public void With_crossover_always_children_should_mix_two_members_and_then_change_one_decision()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(10, 2, 150, CrossoverProbability: 1), 3);
        foreach (var a in ProposeMany(evolution, 10)) evolution.Report(a, Fitness(a));
        var fartherThanMutation = 0;

        for (var i = 0; i < 140; i++)
        {
            var population = evolution.Population.Select(m => m.Architecture).ToArray();
            var child = evolution.Propose()!;

            // Every decision comes from one of two parents, except the one the mutation changed.
            var fromTwoParents = population.SelectMany(_ => population, (a, b) => (a, b))
                .Any(p => Enumerable.Range(0, child.DecisionCount).Count(d => child[d] != p.a[d] && child[d] != p.b[d]) <= 1);
            Assert.True(fromTwoParents, $"{child} is not a mutated crossover of any two members");
            if (population.All(member => member.DistanceTo(child) > 1)) fartherThanMutation++;
            evolution.Report(child, Fitness(child));
        }

        Assert.True(fartherThanMutation >= 10, $"only {fartherThanMutation} of 140 children were more than a mutation away from every member");
    }

    [Fact]
    public void Propose_should_return_null_once_the_budget_is_proposed_even_with_results_outstanding()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(2, 1, 5), 4);

        // Past the initial population with no result in yet: still proposals, not nulls.
        var proposed = ProposeMany(evolution, 5);

        Assert.Null(evolution.Propose());
        Assert.Null(evolution.Propose());
        Assert.Equal((5, 0, 5), (evolution.Proposed, evolution.Reported, evolution.Outstanding));
        Assert.True(evolution.BudgetSpent);
        Assert.False(evolution.IsComplete);

        foreach (var a in proposed.Reverse()) evolution.Report(a, Fitness(a));

        Assert.True(evolution.IsComplete);
        Assert.Equal(0, evolution.Outstanding);
        Assert.Null(evolution.Propose());
    }

    [Fact]
    public void Report_should_reject_an_architecture_that_was_never_proposed()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(), 5);
        var proposed = evolution.Propose()!;
        var stranger = proposed.With(0, (proposed[0] + 1) % 5);

        Assert.Throws<ArgumentException>(() => evolution.Report(stranger, 1));

        Assert.Equal((1, 0), (evolution.Proposed, evolution.Reported));
        Assert.Empty(evolution.History);
    }

    [Fact]
    public void Report_should_reject_a_second_result_for_the_same_proposal()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(), 6);
        var proposed = evolution.Propose()!;
        evolution.Report(proposed, 0.5);

        Assert.Throws<ArgumentException>(() => evolution.Report(proposed, 0.7));

        Assert.Equal(1, evolution.Reported);
        Assert.Equal(0.5, Assert.Single(evolution.History).Fitness);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Report_should_reject_a_fitness_that_is_not_finite_and_keep_the_proposal_outstanding(double fitness)
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(), 7);
        var proposed = evolution.Propose()!;

        Assert.ThrowsAny<ArgumentException>(() => evolution.Report(proposed, fitness));

        Assert.Equal(1, evolution.Outstanding);
        evolution.Report(proposed, 0.3);
        Assert.Equal(1, evolution.Reported);
    }

    [Fact]
    public void Population_should_keep_the_last_PopulationSize_results_in_report_order_and_drop_the_oldest()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(3, 2, 10), 8);
        var p = ProposeMany(evolution, 6);
        // Reported in another order than proposed, so that aging by proposal order would show.
        int[] order = [4, 0, 2, 5, 1, 3];

        for (var i = 0; i < order.Length; i++)
        {
            evolution.Report(p[order[i]], 10 - i);

            var expected = order[..(i + 1)].TakeLast(3).Select(k => p[k]);
            Assert.Equal(expected, evolution.Population.Select(m => m.Architecture));
        }
        Assert.Equal(order.Select(k => p[k]), evolution.History.Select(r => r.Architecture));
    }

    [Fact]
    public void Best_should_be_the_highest_fitness_reported_and_the_first_of_ties()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(), 9);
        var p = ProposeMany(evolution, 4);
        Assert.Null(evolution.Best);

        evolution.Report(p[0], 0.5);
        evolution.Report(p[1], 0.9);
        evolution.Report(p[2], 0.9);
        evolution.Report(p[3], 0.1);

        Assert.Equal((p[1], 0.9), evolution.Best!.Value);
    }

    [Fact]
    public void Best_should_survive_the_aging_of_its_architecture_out_of_the_population()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(2, 1, 10), 10);
        var p = ProposeMany(evolution, 4);

        evolution.Report(p[0], 5);
        for (var i = 1; i < 4; i++) evolution.Report(p[i], i);

        Assert.DoesNotContain(evolution.Population, m => m.Architecture.Equals(p[0]));
        Assert.Equal((p[0], 5.0), evolution.Best!.Value);
    }

    [Fact]
    public void Same_seed_and_same_calls_should_give_the_same_proposals_and_another_seed_others()
    {
        List<Architecture> Run(ulong seed) => Drive(new RegularizedEvolution(Space, DriveSettings, seed), [], 0, DriveSteps);

        var first = Run(11);

        Assert.Equal(DriveSettings.Budget, first.Count);
        Assert.Equal(first, Run(11));
        Assert.NotEqual(first.Skip(DriveSettings.PopulationSize), Run(12).Skip(DriveSettings.PopulationSize));
    }

    [Theory]
    [InlineData(0)]   // nothing proposed yet
    [InlineData(4)]   // inside the initial population, results outstanding
    [InlineData(35)]  // evolving, results outstanding
    [InlineData(DriveSteps)]  // complete
    public void Restore_should_continue_exactly_as_an_uninterrupted_run(int cut)
    {
        var uninterruptedEvolution = new RegularizedEvolution(Space, DriveSettings, 13);
        var uninterrupted = Drive(uninterruptedEvolution, [], 0, DriveSteps);
        var original = new RegularizedEvolution(Space, DriveSettings, 13);
        var inFlight = new List<Architecture>();
        var before = Drive(original, inFlight, 0, cut);

        var restored = RegularizedEvolution.Restore(Space, original.SaveState());

        Assert.Equal(original.SaveState(), restored.SaveState());
        Assert.Equal((original.Proposed, original.Reported, original.Best), (restored.Proposed, restored.Reported, restored.Best));
        Assert.Equal(original.Population, restored.Population);
        var after = Drive(restored, inFlight, cut, DriveSteps);
        Assert.Equal(uninterrupted, before.Concat(after));
        Assert.Equal(uninterruptedEvolution.History, restored.History);
        Assert.Equal(uninterruptedEvolution.Best, restored.Best);
        Assert.True(restored.IsComplete);
    }

    [Fact]
    public void Restore_should_keep_outstanding_proposals_reportable_and_everything_else_not()
    {
        var original = new RegularizedEvolution(Space, DriveSettings, 14);
        var outstanding = ProposeMany(original, 3);
        original.Report(outstanding[1], 1);

        var restored = RegularizedEvolution.Restore(Space, original.SaveState());

        Assert.Equal(2, restored.Outstanding);
        Assert.Throws<ArgumentException>(() => restored.Report(outstanding[1], 1));
        restored.Report(outstanding[2], 2);
        restored.Report(outstanding[0], 3);
        Assert.Equal(DriveSettings, restored.Settings);
    }

    [Fact]
    public void Restore_should_keep_fitness_values_exactly()
    {
        var original = new RegularizedEvolution(Space, DriveSettings, 15);
        var proposed = ProposeMany(original, 2);
        original.Report(proposed[0], 0.1 + 0.2);
        original.Report(proposed[1], Math.PI / 7);

        var restored = RegularizedEvolution.Restore(Space, original.SaveState());

        Assert.Equal(new[] { 0.1 + 0.2, Math.PI / 7 }, restored.History.Select(r => r.Fitness));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void Restore_should_reject_text_that_is_not_a_state(string state)
    {
        var error = Assert.Throws<NasException>(() => RegularizedEvolution.Restore(Space, state));

        Assert.Contains("malformed regularized-evolution state", error.Message);
    }

    [Theory]
    [InlineData("format", "2", "format")]
    [InlineData("rng", "\"garbage\"", "random generator state")]
    [InlineData("settings", """{"populationSize":1,"sampleSize":1,"budget":60,"crossoverProbability":0.5}""", "PopulationSize")]
    [InlineData("settings", """{"populationSize":10,"sampleSize":3,"budget":60}""", "crossoverProbability")]
    [InlineData("outstanding", "[15625]", "15625")]
    [InlineData("history", """[{"architecture":3}]""", "fitness")]
    [InlineData("history", "[null]", "null")]
    [InlineData("outstanding", "null", "outstanding")]
    public void Restore_should_reject_a_damaged_state_naming_the_damage(string field, string json, string named)
    {
        var original = new RegularizedEvolution(Space, DriveSettings, 16);
        Drive(original, [], 0, 20);
        var state = JsonNode.Parse(original.SaveState())!.AsObject();
        state[field] = JsonNode.Parse(json);

        var error = Assert.Throws<NasException>(() => RegularizedEvolution.Restore(Space, state.ToJsonString()));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Restore_should_reject_more_proposals_than_the_budget()
    {
        var original = new RegularizedEvolution(Space, new EvolutionSettings(2, 1, 3), 17);
        ProposeMany(original, 3);
        var state = JsonNode.Parse(original.SaveState())!.AsObject();
        state["outstanding"]!.AsArray().Add(0L);

        var error = Assert.Throws<NasException>(() => RegularizedEvolution.Restore(Space, state.ToJsonString()));

        Assert.Contains("4 proposals", error.Message);
    }

    [Fact]
    public void Restore_should_reject_the_state_of_another_space_naming_both()
    {
        var state = new RegularizedEvolution(TinySpace.Instance, new EvolutionSettings(2, 1, 4), 18).SaveState();

        var error = Assert.Throws<NasException>(() => RegularizedEvolution.Restore(Space, state));

        Assert.Contains("'tiny'", error.Message);
        Assert.Contains("'nb201'", error.Message);
    }

    [Fact]
    public void A_space_smaller_than_the_budget_should_get_every_architecture_and_then_repeats_that_report_like_any_other()
    {
        var evolution = new RegularizedEvolution(TinySpace.Instance, new EvolutionSettings(2, 1, 12), 19);

        var proposed = new List<Architecture>();
        while (evolution.Propose() is { } a)
        {
            proposed.Add(a);
            if (proposed.Count % 3 == 0)
                foreach (var pending in proposed.TakeLast(3)) evolution.Report(pending, pending.Index);
        }

        Assert.Equal(12, proposed.Count);
        Assert.Equal(TinySpace.Instance.Size, proposed.Distinct().Count());
        // Repeats come only once the space is exhausted.
        Assert.Equal(Enumerable.Range(0, 4).Select(i => (long)i), proposed.Take(4).Select(a => a.Index).Order());
        Assert.True(evolution.IsComplete);
    }

    [Fact]
    public void Evolution_should_find_better_architectures_than_random_sampling_with_the_same_budget()
    {
        const int budget = 150;
        const int seeds = 10;
        double evolved = 0, random = 0;

        for (ulong seed = 0; seed < seeds; seed++)
        {
            var noise = new Rng(Rng.DeriveSeed(seed, "noise"));
            double Noisy(Architecture a) => Conv3x3Edges(a) + 0.5 * noise.NextDouble();

            var evolution = new RegularizedEvolution(Space, new EvolutionSettings(Budget: budget), seed);
            while (evolution.Propose() is { } a) evolution.Report(a, Noisy(a));
            evolved += Conv3x3Edges(evolution.Best!.Value.Architecture);

            var sampling = new Rng(Rng.DeriveSeed(seed, "random"));
            random += Enumerable.Range(0, budget).Select(_ => ArchitectureSampling.Uniform(Space, sampling)).Max(Conv3x3Edges);
        }

        // Random sampling's best of 150 has about 4 of the 6 edges as 3x3 convolutions; evolution should get near all 6.
        Assert.True(evolved / seeds >= random / seeds + 1,
            $"evolution's best averaged {evolved / seeds} 3x3 edges, random sampling's {random / seeds}");
    }

    /// <summary>Four architectures, and a decision with a single option that mutation must leave alone.</summary>
    sealed class TinySpace : IChoiceSpace
    {
        public static TinySpace Instance { get; } = new();

        public string Name => "tiny";

        public IReadOnlyList<Decision> Decisions { get; } =
            [new("a", ["x", "y"]), new("fixed", ["only"]), new("b", ["p", "q"])];

        public long Size => 4;

        public Architecture Parse(string text) =>
            new(this, text.Split(',').Select((option, d) => Decisions[d].Options.ToList().IndexOf(option)).ToArray());

        public string Format(Architecture architecture) =>
            string.Join(',', Enumerable.Range(0, Decisions.Count).Select(architecture.OptionAt));

        public Architecture Canonicalize(Architecture architecture) => architecture;

        public Architecture Largest => new(this, [1, 0, 1]);

        public Architecture Smallest => new(this, [0, 0, 0]);
    }

    [Fact]
    public void Evolution_should_never_spend_an_evaluation_on_a_function_it_has_scored()
    {
        var evolution = new RegularizedEvolution(Space, new EvolutionSettings(20, 5, 400), 3);
        var functions = new HashSet<Architecture>();
        while (evolution.Propose() is { } child)
        {
            Assert.True(functions.Add(Space.Canonicalize(child)), $"{child} computes a function already proposed");
            evolution.Report(child, Nb201Space.LiveConvolutions(child) + child.Index * 1e-6);
        }
        Assert.Equal(400, functions.Count);
    }
}
