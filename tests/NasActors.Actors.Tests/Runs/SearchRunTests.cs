using Akka.Actor;
using Akka.TestKit;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Runs;

/// <summary>The run's journal on a real SQLite file: what it dispatches, commits, refuses, and recovers.</summary>
public sealed class SearchRunTests : JournalTestKit
{
    IActorRef Run(string id) => Sys.ActorOf(SearchRun.Props(id, Training, Evaluations));

    async Task<IActorRef> StartedRun(string id)
    {
        var run = Run(id);
        run.Tell(new StartSearch(id, SearchSpecTests.Minimal, Threads: 1), TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        return run;
    }

    async Task<List<EvaluateChild>> TrainStrategy(IActorRef run, string id, string strategy)
    {
        run.Tell(new CheckpointSaved(id, strategy, 5, "/ckpt/5", "aa", Final: false, ""));
        run.Tell(new CheckpointSaved(id, strategy, 10, "/ckpt/10", "bb", Final: true, "weights"));
        var requests = new List<EvaluateChild>
        {
            await Evaluations.ExpectMsgAsync<EvaluateChild>(),
            await Evaluations.ExpectMsgAsync<EvaluateChild>(),
        };
        Assert.All(requests, r => Assert.Equal(("/ckpt/10", "bb"), (r.Request.CheckpointPath, r.Request.CheckpointSha256)));
        return requests;
    }

    async Task<IActorRef> Restart(IActorRef run, string id)
    {
        Watch(run);
        run.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(run);
        return Run(id);
    }

    [Fact]
    public async Task Run_should_hand_outTraining_for_every_strategy_when_started()
    {
        await StartedRun("r1");
        var jobs = new[] { await Training.ExpectMsgAsync<TrainStrategy>(), await Training.ExpectMsgAsync<TrainStrategy>() };
        Assert.Equal(["a", "b"], jobs.Select(j => j.Strategy).Order());
        Assert.All(jobs, j => Assert.Empty(j.Checkpoints));
    }

    [Fact]
    public async Task Run_should_refuse_a_spec_with_errors_and_journal_nothing()
    {
        var run = Run("bad");
        run.Tell(new StartSearch("bad", SearchSpecTests.Minimal.Replace("sampler = uniform, seed = 1", "sampler = nope"), 1), TestActor);
        var rejected = await ExpectMsgAsync<CommandRejected>();
        Assert.Contains("nope", rejected.Reason);
        run.Tell(new GetSearchStatus("bad"), TestActor);
        Assert.Equal(RunPhase.NotStarted, (await ExpectMsgAsync<SearchStatus>()).Phase);
    }

    [Fact]
    public async Task Run_should_requestEvaluations_once_a_strategy_is_trained_and_ignore_duplicate_results()
    {
        var run = await StartedRun("r2");
        var requests = await TrainStrategy(run, "r2", "a");
        run.Tell(new EvaluationSucceeded("r2", requests[0].Request.EvaluationId, 0.5));
        run.Tell(new EvaluationSucceeded("r2", requests[0].Request.EvaluationId, 0.9));  // a replayed evaluation answering twice
        var third = await Evaluations.ExpectMsgAsync<EvaluateChild>();
        Assert.Equal("a/3", third.Request.EvaluationId);
        await Evaluations.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));  // budget 3: no fourth
        run.Tell(new GetSearchStatus("r2"), TestActor);
        var status = (await ExpectMsgAsync<SearchStatus>()).Strategies.Single(s => s.Strategy == "a");
        Assert.Equal((1, 2, true, 10L), (status.EvaluationsCompleted, status.EvaluationsPending, status.Trained, status.CheckpointStep));
        Assert.Equal(0.5, status.BestAccuracy);
    }

    [Fact]
    public async Task Run_should_replay_requestedEvaluations_after_recovery_and_resumeTraining_from_the_last_checkpoint()
    {
        var run = await StartedRun("r3");
        await Training.ExpectMsgAsync<TrainStrategy>();
        await Training.ExpectMsgAsync<TrainStrategy>();
        var requests = await TrainStrategy(run, "r3", "a");
        run.Tell(new CheckpointSaved("r3", "b", 5, "/b/5", "cc", Final: false, ""));
        run.Tell(new GetSearchStatus("r3"), TestActor);
        await ExpectMsgAsync<SearchStatus>();

        run = await Restart(run, "r3");

        var resumed = await Training.ExpectMsgAsync<TrainStrategy>();
        Assert.Equal(("b", 5L, "/b/5"), (resumed.Strategy, resumed.ResumeFrom!.Step, resumed.ResumeFrom.Path));
        var replayed = new[] { await Evaluations.ExpectMsgAsync<EvaluateChild>(), await Evaluations.ExpectMsgAsync<EvaluateChild>() };
        Assert.Equal(requests.Select(r => r.Request).OrderBy(r => r.EvaluationId), replayed.Select(r => r.Request).OrderBy(r => r.EvaluationId));
        await Training.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));  // strategy a is trained: no training for it
    }

    [Fact]
    public async Task A_checkpoint_a_trainer_found_unusable_should_be_journaled_as_rejected_and_left_out_of_the_next_resume()
    {
        var run = await StartedRun("r8");
        await Training.ExpectMsgAsync<TrainStrategy>();
        await Training.ExpectMsgAsync<TrainStrategy>();
        run.Tell(new CheckpointSaved("r8", "a", 3, "/a/3", "aa", Final: false, ""));
        run.Tell(new CheckpointSaved("r8", "a", 6, "/a/6", "bb", Final: false, "", ResumedFrom: 3));

        run.Tell(new CheckpointUnusable("r8", "a", 6, "its SHA-256 is 00, not the bb recorded when it was written"));
        run.Tell(new CheckpointUnusable("r8", "a", 6, "reported twice"));      // already rejected: nothing to reject
        run.Tell(new CheckpointUnusable("r8", "a", 9, "never committed"));    // not a committed checkpoint
        run.Tell(new CheckpointUnusable("r8", "zzz", 3, "no such strategy"));
        run.Tell(new GetSearchStatus("r8"), TestActor);
        var live = (await ExpectMsgAsync<SearchStatus>()).Strategies.Single(s => s.Strategy == "a");
        Assert.Equal((1, 3L), (live.CheckpointsRejected, live.CheckpointStep));

        // From the journal: the rejection holds, and training resumes from the checkpoint before the rejected one.
        run = await Restart(run, "r8");
        var jobs = new[] { await Training.ExpectMsgAsync<TrainStrategy>(), await Training.ExpectMsgAsync<TrainStrategy>() };
        var a = jobs.Single(j => j.Strategy == "a");
        Assert.Equal([3L], a.Checkpoints.Select(c => c.Step));
        Assert.Equal(("/a/3", "aa"), (a.ResumeFrom!.Path, a.ResumeFrom.Sha256));
        Assert.Empty(jobs.Single(j => j.Strategy == "b").Checkpoints);
        run.Tell(new GetSearchStatus("r8"), TestActor);
        var recoveredStatus = await ExpectMsgAsync<SearchStatus>();
        var recovered = recoveredStatus.Strategies.Single(s => s.Strategy == "a");
        Assert.Equal((RunPhase.Running, 1, 3L), (recoveredStatus.Phase, recovered.CheckpointsRejected, recovered.CheckpointStep));

        // The steps after it are trained again and committed again.
        run.Tell(new CheckpointSaved("r8", "a", 6, "/a/6-again", "cc", Final: false, "", ResumedFrom: 3));
        run.Tell(new GetSearchStatus("r8"), TestActor);
        Assert.Equal(6L, (await ExpectMsgAsync<SearchStatus>()).Strategies.Single(s => s.Strategy == "a").CheckpointStep);
    }

    [Fact]
    public async Task Run_should_complete_when_every_strategy_has_trained_and_spent_its_budget_or_failed()
    {
        var run = await StartedRun("r4");
        run.Tell(new TrainingFailed("r4", "b", "loss became NaN at step 3"));
        var requests = await TrainStrategy(run, "r4", "a");
        foreach (var request in requests) run.Tell(new EvaluationSucceeded("r4", request.Request.EvaluationId, 0.6));
        var last = await Evaluations.ExpectMsgAsync<EvaluateChild>();
        run.Tell(new EvaluationGaveUp("r4", last.Request.EvaluationId, "evaluator crashed 3 times"));
        await AwaitAssertAsync(async () =>
        {
            run.Tell(new GetSearchStatus("r4"), TestActor);
            var status = await ExpectMsgAsync<SearchStatus>();
            Assert.Equal(RunPhase.Completed, status.Phase);
            Assert.Equal("loss became NaN at step 3", status.Strategies.Single(s => s.Strategy == "b").FailureReason);
            Assert.Equal(1, status.Strategies.Single(s => s.Strategy == "a").EvaluationsFailed);
        });
    }

    static readonly Dictionary<string, double> Truth = new()
    {
        ["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"] = 0.91,
        ["|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"] = 0.88,
        ["|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|"] = 0.70,
    };

    /// <summary>A three-architecture ground-truth table in a temporary file (the caller deletes it).</summary>
    static (string Table, Dictionary<string, double> Truth) GroundTruth()
    {
        var table = Path.Combine(Path.GetTempPath(), $"nasactors-truth-{Guid.NewGuid():N}.csv");
        foreach (var (architecture, accuracy) in Truth)
            foreach (var seed in new[] { 1, 2 })
                NasActors.Search.GroundTruth.GroundTruthTable.Append(table, new(architecture, seed, 1, accuracy, accuracy, 1, 1, 1, 2, 1, 8, 300));
        return (table, Truth);
    }

    /// <summary>A started run whose spec names <paramref name="table"/> as its ground truth, with <paramref name="settings"/> added.</summary>
    async Task<IActorRef> StartedWithGroundTruth(string id, string table, string settings = "")
    {
        var run = Run(id);
        run.Tell(new StartSearch(id, SearchSpecTests.Minimal.Replace("name = tiny", $"name = tiny\n  ground-truth = \"{table}\"\n  {settings}"), 1), TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        return run;
    }

    [Fact]
    public async Task With_probe_checkpoints_every_committed_checkpoint_should_score_the_ground_truth_apart_from_the_final_ranking()
    {
        var (table, truth) = GroundTruth();
        try
        {
            var run = await StartedWithGroundTruth("r7", table, "evaluation { probe-checkpoints = on }");
            await Training.ExpectMsgAsync<TrainStrategy>();
            await Training.ExpectMsgAsync<TrainStrategy>();

            // A checkpoint during training: its probes go out at once, two at a time, the third when one is answered.
            run.Tell(new CheckpointSaved("r7", "a", 5, "/ckpt/5", "aa", Final: false, ""));
            var first = new[] { await Evaluations.ExpectMsgAsync<EvaluateChild>(), await Evaluations.ExpectMsgAsync<EvaluateChild>() };
            Assert.All(first, w => Assert.Equal((5L, "/ckpt/5", true), (w.Request.ProbeStep!.Value, w.Request.CheckpointPath, w.Request.Probe)));
            await Evaluations.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
            run.Tell(new EvaluationSucceeded("r7", first[0].Request.EvaluationId, 0.5));
            var third = await Evaluations.ExpectMsgAsync<EvaluateChild>();
            Assert.Equal("a/ground-truth@5/3", third.Request.EvaluationId);
            foreach (var work in new[] { first[1], third }) run.Tell(new EvaluationSucceeded("r7", work.Request.EvaluationId, 0.5));
            Assert.Equal(truth.Keys.Order(), new[] { first[0], first[1], third }.Select(w => w.Request.Architecture).Order());

            run.Tell(new GetSearchStatus("r7"), TestActor);
            var status = (await ExpectMsgAsync<SearchStatus>()).Strategies.Single(s => s.Strategy == "a");
            Assert.Equal((0, 0, 0), (status.ProbesCompleted, status.EvaluationsCompleted, status.EvaluationsPending));
            run.Tell(new GetRanking("r7", 5), TestActor);
            Assert.Equal(0, (await ExpectMsgAsync<SearchRanking>()).Strategies.Single(s => s.Strategy == "a").Probed);
            run.Tell(new ExportSearch("r7"), TestActor);
            var exported = (await ExpectMsgAsync<SearchExport>()).Evaluations;
            Assert.Equal(3, exported.Count(e => e.ProbeStep == 5 && e.GroundTruthProbe && e.Accuracy == 0.5));
        }
        finally
        {
            File.Delete(table);
        }
    }

    [Fact]
    public async Task Run_should_score_every_ground_truth_architecture_and_report_ranking_quality()
    {
        var (table, truth) = GroundTruth();
        try
        {
            var run = await StartedWithGroundTruth("r6", table);
            var pending = new Queue<EvaluateChild>(await TrainStrategy(run, "r6", "a"));
            var probes = new List<EvaluateChild>();
            var received = pending.Count;
            while (pending.TryDequeue(out var work))
            {
                // The supernet's estimate: the true accuracy minus 0.3, so the ranking is right.
                var accuracy = work.Request.Probe ? truth[work.Request.Architecture] - 0.3 : 0.4;
                if (work.Request.Probe) probes.Add(work);
                run.Tell(new EvaluationSucceeded("r6", work.Request.EvaluationId, accuracy));
                // Budget 3 plus 3 probes: six requests in all, two in flight at a time.
                if (received++ < 6) pending.Enqueue(await Evaluations.ExpectMsgAsync<EvaluateChild>());
            }
            Assert.Equal(truth.Keys.Order(), probes.Select(p => p.Request.Architecture).Order());

            run.Tell(new GetRanking("r6", 5), TestActor);
            var ranking = (await ExpectMsgAsync<SearchRanking>()).Strategies.Single(s => s.Strategy == "a");
            Assert.Equal(3, ranking.Probed);
            Assert.Equal(1.0, ranking.KendallTau);
            Assert.Equal(1.0, ranking.SpearmanRho);
            Assert.Equal(3, ranking.Leaderboard.Count);
        }
        finally
        {
            File.Delete(table);
        }
    }

    [Fact]
    public async Task Pausing_twice_or_resuming_a_running_search_should_be_refused()
    {
        var run = await StartedRun("r5");
        run.Tell(new ResumeSearch("r5"), TestActor);
        Assert.Contains("running", (await ExpectMsgAsync<CommandRejected>()).Reason);
        run.Tell(new PauseSearch("r5"), TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        run.Tell(new PauseSearch("r5"), TestActor);
        Assert.Contains("paused", (await ExpectMsgAsync<CommandRejected>()).Reason);
        run.Tell(new StopSearch("r5"), TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        run.Tell(new StopSearch("r5"), TestActor);
        Assert.Contains("already stopped", (await ExpectMsgAsync<CommandRejected>()).Reason);
    }

    [Fact]
    public async Task Commands_for_an_unknown_search_should_be_refused_naming_the_id()
    {
        var run = Run("ghost");
        run.Tell(new PauseSearch("ghost"), TestActor);
        Assert.Contains("unknown search id 'ghost'", (await ExpectMsgAsync<CommandRejected>()).Reason);
    }


    [Fact]
    public async Task Run_should_score_an_estimator_strategy_at_once_without_training_it()
    {
        var run = Run("zc");
        run.Tell(new StartSearch("zc", SearchSpecTests.WithEstimator("b { estimator = params, seed = 2 }"), Threads: 1), TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        // Only the supernet strategy trains; the estimator's evaluations go out before any checkpoint exists.
        Assert.Equal("a", (await Training.ExpectMsgAsync<TrainStrategy>()).Strategy);
        await Training.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        var requests = new[] { await Evaluations.ExpectMsgAsync<EvaluateChild>(), await Evaluations.ExpectMsgAsync<EvaluateChild>() };
        Assert.All(requests, r => Assert.Equal(("b", "", ""), (r.Request.Strategy, r.Request.CheckpointPath, r.Request.CheckpointSha256)));
        foreach (var request in requests) run.Tell(new EvaluationSucceeded("zc", request.Request.EvaluationId, -3.5, Seconds: 0.25));
        var third = await Evaluations.ExpectMsgAsync<EvaluateChild>();
        run.Tell(new EvaluationGaveUp("zc", third.Request.EvaluationId, "broken"));
        run.Tell(new GetSearchStatus("zc"), TestActor);
        var status = (await ExpectMsgAsync<SearchStatus>()).Strategies.Single(s => s.Strategy == "b");
        // A negative score is a score; the failed child ranks below it.
        Assert.Equal((true, 2, 1, -3.5), (status.Trained, status.EvaluationsCompleted, status.EvaluationsFailed, status.BestAccuracy!.Value));
        run.Tell(new GetRanking("zc"), TestActor);
        var ranking = (await ExpectMsgAsync<SearchRanking>()).Strategies.Single(s => s.Strategy == "b");
        Assert.Equal("params", ranking.Estimator);
        Assert.Null((await RecoveredStatus(run, "zc")).Strategies.Single(s => s.Strategy == "b").FailureReason);
        // What each evaluation cost is journaled with its result (an estimator's cost is its scoring).
        var recovered = Run("zc");
        recovered.Tell(new ExportSearch("zc"), TestActor);
        var export = await ExpectMsgAsync<SearchExport>();
        Assert.Equal([0.25, 0.25], export.Evaluations.Where(e => e.Accuracy is not null && e.Strategy == "b").Select(e => e.Seconds));
    }

    async Task<SearchStatus> RecoveredStatus(IActorRef run, string id)
    {
        var recovered = await Restart(run, id);
        recovered.Tell(new GetSearchStatus(id), TestActor);
        return await ExpectMsgAsync<SearchStatus>();
    }
}
