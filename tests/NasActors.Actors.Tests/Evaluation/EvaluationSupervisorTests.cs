using Akka.Actor;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Tests.Evaluation;

/// <summary>The supervisor with a fake evaluator: every request answered exactly once, crashes retried with backoff,
/// stopped evaluators replaced, hopeless work given up with its reason.</summary>
public sealed class EvaluationSupervisorTests() : Akka.TestKit.Xunit2.TestKit("akka.test.timefactor = 5")
{
    internal const string SearchId = "s1";

    internal static readonly string[] Architectures =
    [
        "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|",
        "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|",
        "|avg_pool_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|",
        "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|",
        "|none~0|+|avg_pool_3x3~0|skip_connect~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    ];

    /// <summary>A valid spec whose evaluation block is <paramref name="evaluation"/>.</summary>
    internal static string Spec(string evaluation = "max-attempts = 3", string? dataDirectory = null) => $$"""
        search {
          name = evaluation
          data { dataset = fashion-mnist, {{(dataDirectory is null ? "" : $"data-dir = \"{dataDirectory}\", ")}}image-size = 8, validation-size = 100, evaluation-images = 50 }
          supernet { channels = 2, cells = 1 }
          strategies { a { sampler = uniform } }
          evaluation { {{evaluation}} }
        }
        """;

    internal static EvaluateChild Work(int index, string spec, string checkpoint = "/checkpoints/a/step-10.ckpt", string sha256 = "bb") =>
        new(SearchId, new EvaluationRequested($"a/{index}", "a", Architectures[index % Architectures.Length], checkpoint, sha256), spec);

    static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(20);

    IActorRef Supervisor(FakeChildEvaluator evaluator, int evaluators = 1) =>
        Sys.ActorOf(EvaluationSupervisor.Props(() => evaluator, evaluators, Backoff));

    async Task<Dictionary<string, EvaluationSucceeded>> ExpectSucceeded(int count)
    {
        var answers = new Dictionary<string, EvaluationSucceeded>();
        for (var i = 0; i < count; i++)
        {
            var answer = await ExpectMsgAsync<EvaluationSucceeded>();
            Assert.True(answers.TryAdd(answer.EvaluationId, answer), $"{answer.EvaluationId} was answered twice");
        }
        return answers;
    }

    [Fact]
    public async Task Every_request_should_be_answered_exactly_once_with_its_accuracy()
    {
        var evaluator = new FakeChildEvaluator();
        var supervisor = Supervisor(evaluator, evaluators: 2);
        var spec = Spec();
        for (var i = 0; i < 6; i++) supervisor.Tell(Work(i, spec), TestActor);
        var answers = await ExpectSucceeded(6);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(SearchId, answers[$"a/{i}"].SearchId);
            Assert.Equal(FakeChildEvaluator.AccuracyOf(Architectures[i]), answers[$"a/{i}"].Accuracy);
        }
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(6, evaluator.TotalCalls);
    }

    [Fact]
    public async Task An_evaluator_that_throws_should_be_restarted_and_the_evaluation_retried_until_it_succeeds()
    {
        var evaluator = new FakeChildEvaluator { FailuresPerEvaluation = 1 };
        var supervisor = Supervisor(evaluator);
        await EventFilter.Warning(contains: "retrying in").ExpectOneAsync(async () =>
        {
            supervisor.Tell(Work(0, Spec()), TestActor);
            Assert.Equal(FakeChildEvaluator.AccuracyOf(Architectures[0]), (await ExpectMsgAsync<EvaluationSucceeded>()).Accuracy);
        });
        Assert.Equal(2, evaluator.Calls("a/0"));
    }

    [Fact]
    public async Task Failing_every_second_evaluation_should_cause_retries_yet_every_evaluation_should_succeed()
    {
        var evaluator = new FakeChildEvaluator();
        var supervisor = Supervisor(evaluator);
        var spec = Spec("max-attempts = 4, faults { fail-every = 2 }");
        // One evaluator: its even-numbered evaluations fail, so 4 successes take 7 evaluations, 3 of them retried.
        await EventFilter.Warning(contains: "retrying in").ExpectAsync(3, async () =>
        {
            for (var i = 0; i < 4; i++) supervisor.Tell(Work(i, spec), TestActor);
            var answers = await ExpectSucceeded(4);
            Assert.All(answers.Values, a => Assert.Equal(FakeChildEvaluator.AccuracyOf(Architectures[int.Parse(a.EvaluationId[2..])]), a.Accuracy));
        });
        Assert.Equal(4, evaluator.TotalCalls);  // an injected fault strikes before the evaluator is called
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task An_evaluator_that_always_throws_should_give_up_after_max_attempts_with_the_reason()
    {
        var evaluator = new FakeChildEvaluator { FailuresPerEvaluation = int.MaxValue };
        var supervisor = Supervisor(evaluator);
        supervisor.Tell(Work(0, Spec("max-attempts = 3")), TestActor);
        var gaveUp = await ExpectMsgAsync<EvaluationGaveUp>();
        Assert.Equal((SearchId, "a/0"), (gaveUp.SearchId, gaveUp.EvaluationId));
        Assert.Contains("evaluator crashed: disk on fire while scoring a/0", gaveUp.Reason);
        Assert.Contains("attempt 3 of 3", gaveUp.Reason);
        Assert.Equal(3, evaluator.Calls("a/0"));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Work_held_by_an_evaluator_that_stops_should_be_replayed_on_its_replacement_and_answered()
    {
        var evaluator = new FakeChildEvaluator();
        var supervisor = Supervisor(evaluator, evaluators: 2);
        var spec = Spec("max-attempts = 2, faults { kill-evaluator-at = 1 }");
        await EventFilter.Warning(contains: "starting another in its place").ExpectAsync(2, async () =>
        {
            supervisor.Tell(Work(0, spec), TestActor);
            supervisor.Tell(Work(1, spec), TestActor);
            var answers = await ExpectSucceeded(2);
            Assert.Equal(FakeChildEvaluator.AccuracyOf(Architectures[1]), answers["a/1"].Accuracy);
        });
        Assert.Equal((1, 1), (evaluator.Calls("a/0"), evaluator.Calls("a/1")));  // the stopped evaluators never ran them
    }

    [Fact]
    public async Task Work_held_by_a_registered_evaluator_whose_node_is_lost_should_be_replayed_on_another_and_answered_once()
    {
        var supervisor = Sys.ActorOf(EvaluationSupervisor.ForCluster(Backoff));
        var lost = CreateTestProbe();
        supervisor.Tell(new RegisterEvaluator(lost.Ref, "akka.tcp://nas@127.0.0.1:4054"));
        supervisor.Tell(Work(0, Spec()), TestActor);
        var first = await lost.ExpectMsgAsync<RunEvaluation>();
        Assert.Equal(1, first.Attempt);

        var survivor = CreateTestProbe();
        supervisor.Tell(new RegisterEvaluator(survivor.Ref, "akka.tcp://nas@127.0.0.1:4055", "cuda:1"));
        await EventFilter.Warning(contains: "is gone while evaluating a/0").ExpectOneAsync(() =>
        {
            Sys.Stop(lost.Ref);  // what death watch reports when the evaluator's node is downed
            return Task.CompletedTask;
        });
        var replayed = await survivor.ExpectMsgAsync<RunEvaluation>();
        Assert.Equal(("a/0", 2), (replayed.EvaluationId, replayed.Attempt));
        supervisor.Tell(new EvaluationAttemptSucceeded(replayed, 0.5), survivor.Ref);
        Assert.Equal(0.5, (await ExpectMsgAsync<EvaluationSucceeded>()).Accuracy);
        supervisor.Tell(ListWorkers.Instance, TestActor);
        var workers = await ExpectMsgAsync<EvaluatorList>();
        Assert.Equal([("akka.tcp://nas@127.0.0.1:4055", "cuda:1")], workers.Evaluators.Select(e => (e.Node, e.Device)));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Evaluators_should_be_listed_with_the_device_they_score_on_local_and_registered_alike()
    {
        var registry = CreateTestProbe();
        Sys.ActorOf(EvaluatorActor.Props(new FakeChildEvaluator { Device = "cuda:3" }, registry.Ref, "akka.tcp://nas@127.0.0.1:4056"));
        var register = await registry.ExpectMsgAsync<RegisterEvaluator>();
        Assert.Equal(("akka.tcp://nas@127.0.0.1:4056", "cuda:3"), (register.Node, register.Device));

        var supervisor = Supervisor(new FakeChildEvaluator { Device = "cuda:2" });
        supervisor.Tell(register);
        supervisor.Tell(ListWorkers.Instance, TestActor);
        var workers = await ExpectMsgAsync<EvaluatorList>();
        Assert.Equal([("local", "cuda:2"), ("akka.tcp://nas@127.0.0.1:4056", "cuda:3")], workers.Evaluators.Select(e => (e.Node, e.Device)));
    }

    [Fact]
    public async Task An_evaluation_whose_evaluator_stops_on_its_last_attempt_should_give_up_saying_so()
    {
        var supervisor = Supervisor(new FakeChildEvaluator());
        supervisor.Tell(Work(0, Spec("max-attempts = 1, faults { kill-evaluator-at = 1 }")), TestActor);
        var gaveUp = await ExpectMsgAsync<EvaluationGaveUp>();
        Assert.Equal("evaluator stopped while evaluating a/0 (attempt 1 of 1)", gaveUp.Reason);
        // The replacement serves the next request.
        supervisor.Tell(Work(1, Spec()), TestActor);
        Assert.Equal("a/1", (await ExpectMsgAsync<EvaluationSucceeded>()).EvaluationId);
    }

    [Fact]
    public async Task Injected_failures_with_probability_one_should_fail_every_attempt()
    {
        var evaluator = new FakeChildEvaluator();
        var supervisor = Supervisor(evaluator);
        supervisor.Tell(Work(0, Spec("max-attempts = 2, faults { fail-probability = 1 }")), TestActor);
        var gaveUp = await ExpectMsgAsync<EvaluationGaveUp>();
        Assert.Contains("evaluator crashed: injected fault: attempt 2 of a/0 fails (probability 1)", gaveUp.Reason);
        Assert.Equal(0, evaluator.TotalCalls);
    }

    [Fact]
    public async Task A_request_sent_again_while_pending_should_be_one_job_and_one_answered_before_should_get_the_same_answer()
    {
        var evaluator = new FakeChildEvaluator();
        evaluator.Hold();
        var supervisor = Supervisor(evaluator);
        var work = Work(0, Spec());
        supervisor.Tell(work, TestActor);
        supervisor.Tell(work, TestActor);
        await AwaitAssertAsync(() => Assert.Equal(1, evaluator.Calls("a/0")));
        supervisor.Tell(work, TestActor);
        evaluator.Release();
        var answer = await ExpectMsgAsync<EvaluationSucceeded>();
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        supervisor.Tell(work, TestActor);  // a recovered run asking again
        Assert.Equal(answer, await ExpectMsgAsync<EvaluationSucceeded>());
        Assert.Equal(1, evaluator.Calls("a/0"));
    }

    [Fact]
    public async Task Work_that_cannot_succeed_should_give_up_at_once_with_the_message_as_the_reason()
    {
        var evaluator = new FakeChildEvaluator { FailuresPerEvaluation = int.MaxValue, Failure = _ => new NasException("no such architecture") };
        var supervisor = Supervisor(evaluator);
        supervisor.Tell(Work(0, Spec("max-attempts = 5")), TestActor);
        Assert.Equal("no such architecture", (await ExpectMsgAsync<EvaluationGaveUp>()).Reason);
        Assert.Equal(1, evaluator.Calls("a/0"));

        supervisor.Tell(Work(1, Spec("max-attempts = 0")), TestActor);
        Assert.Contains("search.evaluation.max-attempts = 0", (await ExpectMsgAsync<EvaluationGaveUp>()).Reason);
    }

    [Fact]
    public void Props_should_refuse_a_missing_factory_no_evaluators_or_a_backoff_that_is_not_positive()
    {
        Assert.Throws<ArgumentNullException>(() => EvaluationSupervisor.Props(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationSupervisor.Props(() => new FakeChildEvaluator(), evaluators: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationSupervisor.Props(() => new FakeChildEvaluator(), retryBackoff: TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => EvaluatorActor.Props(null!));
    }
}
