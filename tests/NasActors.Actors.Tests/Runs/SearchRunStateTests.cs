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
