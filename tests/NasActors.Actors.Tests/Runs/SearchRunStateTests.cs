using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Runs;

/// <summary>Which results a strategy's evolution has seen when it proposes: in a run of this version, the n-th proposal
/// sees the results of the first n - 2 requests, whichever evaluator answered first, so a cluster whose evaluators finish
/// in any order (or one that lost an evaluator and replayed its work) proposes what an uninterrupted run does.</summary>
public sealed class SearchRunStateTests
{
    /// <summary>Past the initial population of 3 a proposal mutates a tournament winner: it depends on the results in.</summary>
    static readonly string Spec = SearchSpecTests.Minimal.Replace("population = 2, sample-size = 1, budget = 3", "population = 3, sample-size = 2, budget = 24");

    /// <summary>Strategy a's evolution to its end, each result a function of its architecture; <paramref name="pick"/>
    /// chooses which of the requests in flight is answered next. Returns every request, in order.</summary>
    static List<string> Evolve(bool resultsInRequestOrder, Func<int, List<EvaluationRequested>, int> pick)
    {
        var state = new SearchRunState();
        state.Apply(new SearchStarted("s", Spec, 1, DateTimeOffset.UnixEpoch, ResultsInRequestOrder: resultsInRequestOrder));
        state.Apply(new CheckpointCommitted("a", 10, "/a/10", "aa"));
        state.Apply(new StrategyTrained("a", 10, "wa"));
        var requested = new List<string>();
        var pending = new List<EvaluationRequested>();
        for (var answers = 0; ; answers++)
        {
            while (pending.Count < SearchRunState.EvaluationsInFlight && state.ProposeEvaluation("a") is { } request)
            {
                state.Apply(request);
                pending.Add(request);
                requested.Add($"{request.EvaluationId} {request.Architecture}");
            }
            if (pending.Count == 0) break;
            var answer = pending[pick(answers, pending)];
            pending.Remove(answer);
            // Each result a function of its request alone, as an evaluator's is.
            state.Apply(answer.EvaluationId.EndsWith('5')
                ? new EvaluationFailed(answer.EvaluationId, "evaluator lost")
                : new EvaluationCompleted(answer.EvaluationId, answer.Architecture.Sum(c => c * 31 % 97) % 1000 / 1000.0));
        }
        Assert.Equal(24, state.Strategy("a").Evolution.Reported);
        return requested;
    }

    static int Oldest(int answers, List<EvaluationRequested> pending) => 0;

    static int NewestEverySecond(int answers, List<EvaluationRequested> pending) => answers % 2 == 0 ? pending.Count - 1 : 0;

    [Fact]
    public void Proposals_should_not_depend_on_the_order_evaluators_answer_in()
    {
        var inOrder = Evolve(resultsInRequestOrder: true, Oldest);

        Assert.Equal(24, inOrder.Count);
        Assert.Equal(inOrder, Evolve(resultsInRequestOrder: true, NewestEverySecond));
        var random = new Random(3);
        Assert.Equal(inOrder, Evolve(resultsInRequestOrder: true, (_, pending) => random.Next(pending.Count)));
    }

    [Fact]
    public void Results_answered_in_order_should_give_the_proposals_an_older_run_made()
    {
        // The journals of older runs (and golden journals) replay as they were written: their evolution took results as journaled.
        Assert.Equal(Evolve(resultsInRequestOrder: false, Oldest), Evolve(resultsInRequestOrder: true, Oldest));
        // Which is why the order is a flag of the run: an older run answered out of order proposed differently.
        Assert.NotEqual(Evolve(resultsInRequestOrder: false, Oldest), Evolve(resultsInRequestOrder: false, NewestEverySecond));
    }

    [Fact]
    public void A_proposal_should_wait_for_the_result_it_must_see_while_a_later_one_is_in()
    {
        var state = new SearchRunState();
        state.Apply(new SearchStarted("s", Spec, 1, DateTimeOffset.UnixEpoch, ResultsInRequestOrder: true));
        state.Apply(new CheckpointCommitted("a", 10, "/a/10", "aa"));
        state.Apply(new StrategyTrained("a", 10, "wa"));
        var first = state.ProposeEvaluation("a")!;
        state.Apply(first);
        var second = state.ProposeEvaluation("a")!;
        state.Apply(second);

        state.Apply(new EvaluationCompleted(second.EvaluationId, 0.5));

        Assert.Null(state.ProposeEvaluation("a"));  // the third sees the first's result: not in yet
        Assert.Equal(0, state.Strategy("a").Evolution.Reported);  // the second's result waits for the first's
        state.Apply(new EvaluationCompleted(first.EvaluationId, 0.25));
        Assert.Equal("a/3", state.ProposeEvaluation("a")!.EvaluationId);
    }
}

/// <summary>A combined estimator's members score each other's best functions once every member's evolution is over,
/// and the run is not done before they have.</summary>
public sealed class CombinationStateTests
{
    static readonly string Spec = SearchSpecTests.Minimal
        .Replace("population = 2, sample-size = 1, budget = 3", "population = 3, sample-size = 2, budget = 12")
        .Replace("  evolution {", "  combine { both = [a, b] }\n  evolution {");

    static double ScoreOf(string strategy, string architecture) => (architecture.Sum(c => c * (strategy == "a" ? 31 : 17) % 97) % 1000) / 1000.0;

    /// <summary>Answers every proposal of <paramref name="strategy"/> until it proposes nothing more; returns them.</summary>
    static List<EvaluationRequested> Drain(SearchRunState state, string strategy)
    {
        var requests = new List<EvaluationRequested>();
        while (state.ProposeEvaluation(strategy) is { } request)
        {
            state.Apply(request);
            requests.Add(request);
            state.Apply(new EvaluationCompleted(request.EvaluationId, ScoreOf(strategy, request.Architecture)));
        }
        return requests;
    }

    static SearchRunState Started(string spec)
    {
        var state = new SearchRunState();
        state.Apply(new SearchStarted("s", spec, 1, DateTimeOffset.UnixEpoch, ResultsInRequestOrder: true));
        foreach (var strategy in new[] { "a", "b" })
        {
            state.Apply(new CheckpointCommitted(strategy, 10, $"/{strategy}/10", strategy));
            state.Apply(new StrategyTrained(strategy, 10, "w" + strategy));
        }
        return state;
    }

    [Fact]
    public void Members_should_score_the_others_best_functions_after_every_evolution_ends()
    {
        var state = Started(Spec);
        var aEvolution = Drain(state, "a");
        Assert.All(aEvolution, r => Assert.True(r.IsEvolution));  // b still searches: a has no candidate to score yet
        Assert.False(state.AllStrategiesDone);
        var bRequests = Drain(state, "b");
        var aCombined = Drain(state, "a");

        Assert.NotEmpty(aCombined);
        Assert.All(aCombined, r => Assert.True(r.ForCombination));
        Assert.Equal(aCombined.Select((_, i) => $"a/combined/{i + 1}"), aCombined.Select(r => r.EvaluationId));
        // a scores exactly b's best functions (up to 10) that its own evolution did not reach.
        var space = NasActors.Search.Spaces.SearchSpaces.Get("nb201");
        string FunctionOf(string architecture) => space.Canonicalize(space.Parse(architecture)).ToString();
        var aScored = aEvolution.Select(r => FunctionOf(r.Architecture)).ToHashSet();
        var bBest = bRequests.Where(r => r.IsEvolution).GroupBy(r => FunctionOf(r.Architecture)).Select(g => g.First())
            .OrderByDescending(r => ScoreOf("b", r.Architecture)).ThenBy(r => r.Architecture, StringComparer.Ordinal).Take(10).Select(r => r.Architecture);
        Assert.Equal(bBest.Where(a => !aScored.Contains(FunctionOf(a))), aCombined.Select(r => r.Architecture));
        Assert.Contains(bRequests, r => r.ForCombination);  // b scored a's best once a's evolution was over
        Assert.True(state.AllStrategiesDone);
        // The evolution itself proposes what it would without the combination.
        var alone = Started(SearchSpecTests.Minimal.Replace("population = 2, sample-size = 1, budget = 3", "population = 3, sample-size = 2, budget = 12"));
        Assert.Equal(Drain(alone, "a").Select(r => r.Architecture), aEvolution.Select(r => r.Architecture));
        Assert.Equal(12, state.Strategy("a").Evolution.Reported);
    }

    [Fact]
    public void A_failed_member_should_leave_the_others_nothing_to_wait_for()
    {
        var state = Started(Spec);
        Drain(state, "a");
        state.Apply(new StrategyFailed("b", "NaN loss"));

        Assert.Null(state.ProposeEvaluation("a"));
        Assert.True(state.AllStrategiesDone);
    }

    [Fact]
    public void A_snapshot_should_keep_combination_scores_out_of_the_evolution()
    {
        var state = Started(Spec);
        Drain(state, "a");
        Drain(state, "b");
        var restored = SearchRunState.FromSnapshot(state.ToSnapshot());

        Assert.Equal(state.Strategy("b").EvolutionRequests, restored.Strategy("b").EvolutionRequests);
        Assert.Equal(12, restored.Strategy("b").EvolutionRequests.Count);
        Assert.Equal(state.ProposeEvaluation("a"), restored.ProposeEvaluation("a"));  // a is still to score b's best
        Assert.Equal(Drain(state, "a").Select(r => r.Architecture), Drain(restored, "a").Select(r => r.Architecture));
        Assert.True(restored.AllStrategiesDone);
    }
}
