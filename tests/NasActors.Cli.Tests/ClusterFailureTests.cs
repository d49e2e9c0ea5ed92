using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Cli.Tests;

/// <summary>Failures across processes: nodes killed with SIGKILL, PostgreSQL stopped mid-run, evaluators lost while they
/// hold work. After each, the run completes and its journal (in PostgreSQL) has every requested evaluation answered
/// exactly once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFailureTests
{
    /// <summary>Two strategies, long enough to kill something mid-training; a small evolution with a ground truth.</summary>
    static string Spec(ClusterHarness harness, int steps = 1500, double evaluationDelay = 0)
    {
        var file = TinySearch.Write(harness.Temp);
        var text = File.ReadAllText(file)
            .Replace("steps = 10", $"steps = {steps}").Replace("checkpoint-every = 5", "checkpoint-every = 100")
            .Replace("budget = 4", $"budget = 4 }}\n              evaluation {{ max-attempts = 3, faults {{ delay = {evaluationDelay.ToString(System.Globalization.CultureInfo.InvariantCulture)} }}");
        File.WriteAllText(file, text);
        return file;
    }

    static bool Training(SearchStatus status) => status.Strategies.Any(s => !s.Trained && s.CheckpointStep >= 100);

    static void AssertCompleted(SearchStatus status)
    {
        Assert.Equal(RunPhase.Completed, status.Phase);
        Assert.All(status.Strategies, s =>
        {
            Assert.Null(s.FailureReason);
            Assert.True(s.Trained, $"{s.Strategy} is not trained");
            Assert.Equal(0, s.EvaluationsPending);
        });
    }

    /// <summary>The strategy's training was taken up again by a later job, from a checkpoint at least as new as the one
    /// committed before the failure (the audit checks it was the newest committed then), not from scratch.</summary>
    static void AssertResumed(JournalAudit audit, StrategyStatus before)
    {
        var resumes = audit.ResumesOf(before.Strategy);
        Assert.True(resumes.Count > 0, $"{before.Strategy}: no trainer job resumed its training after the failure");
        Assert.All(resumes, from => Assert.True(from >= before.CheckpointStep, $"{before.Strategy} resumed from step {from}, before step {before.CheckpointStep} committed ahead of the failure"));
    }

    [Fact]
    public async Task A_trainer_node_killed_mid_training_should_hand_its_job_to_another_trainer_and_the_run_should_complete()
    {
        await using var harness = await ClusterHarness.StartAsync();
        var id = await harness.StartSearchAsync(Spec(harness));
        var status = await harness.WaitForAsync(id, Training, TimeSpan.FromSeconds(120), "a strategy past its first checkpoint");
        var victim = status.Strategies.First(s => !s.Trained && s.CheckpointStep >= 100);
        var nodes = await harness.NodesAsync();
        var trainer = nodes.Trainers.Single(t => t.Job?.Strategy == victim.Strategy);

        await harness.KillAsync(harness.NodeAt(trainer.Node));

        var completed = await harness.WaitForCompletionAsync(id);
        AssertCompleted(completed);
        var audit = await harness.AuditJournalAsync(id);
        Assert.Equal(0, audit.EvaluationsFailed);
        AssertResumed(audit, victim);
        var after = await harness.NodesAsync();
        Assert.DoesNotContain(after.Members, m => m.Address == trainer.Node && m.Status == "Up");
        Assert.DoesNotContain(after.Trainers, t => t.Node == trainer.Node);
    }

    [Fact]
    public async Task A_coordinator_killed_and_restarted_should_recover_every_run_from_postgres_and_continue()
    {
        await using var harness = await ClusterHarness.StartAsync();
        var id = await harness.StartSearchAsync(Spec(harness));
        var status = await harness.WaitForAsync(id, Training, TimeSpan.FromSeconds(120), "a strategy past its first checkpoint");
        var training = status.Strategies.First(s => !s.Trained && s.CheckpointStep >= 100);

        await harness.KillAsync("coordinator");
        await harness.RestartAsync(0);
        await harness.ReconnectAsync();

        AssertCompleted(await harness.WaitForCompletionAsync(id));
        var audit = await harness.AuditJournalAsync(id);
        Assert.Equal(0, audit.EvaluationsFailed);
        // The restarted coordinator's run handed the training out again from its journal.
        AssertResumed(audit, training);
    }

    [Fact]
    public async Task PostgreSQL_stopped_for_20_seconds_should_pause_persisting_and_the_run_should_continue_without_losing_events()
    {
        await using var harness = await ClusterHarness.StartAsync();
        var id = await harness.StartSearchAsync(Spec(harness, steps: 2500));
        await harness.WaitForAsync(id, Training, TimeSpan.FromSeconds(120), "a strategy past its first checkpoint");

        harness.Cluster.Postgres.Stop();
        await Task.Delay(TimeSpan.FromSeconds(20));
        await harness.Cluster.Postgres.StartAsync();

        AssertCompleted(await harness.WaitForCompletionAsync(id));
        // The outage reached the journal (the run did not just finish before it), and the coordinator lived through it.
        var log = harness.LogOf("coordinator");
        Assert.Contains($"Failed to connect to 127.0.0.1:{harness.Cluster.Postgres.Port}", log);
        Assert.Contains(harness.Cluster.RunningNodes(), n => n.Name == "coordinator");
        // A failed write stops the run; its backoff supervisor started it again and it recovered from the journal (the
        // coordinator never restarted, so a recovery of this search is that restart).
        Assert.Contains($"for persistenceId [search-{id}]", log);
        Assert.Contains($"search {id} recovered from its journal", log);
        var audit = await harness.AuditJournalAsync(id);
        Assert.Equal(0, audit.EvaluationsFailed);
    }

    [Fact]
    public async Task An_evaluator_node_lost_while_it_holds_evaluations_should_have_them_replayed_elsewhere()
    {
        await using var harness = await ClusterHarness.StartAsync();
        // Each evaluation held 2 s, so that one is in flight when its node dies.
        var id = await harness.StartSearchAsync(Spec(harness, steps: 100, evaluationDelay: 2));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        EvaluatorInfo? holder = null;
        while (holder is null && DateTime.UtcNow < deadline)
        {
            holder = (await harness.NodesAsync()).Evaluators.FirstOrDefault(e => e.Evaluation is not null && e.Node.EndsWith($":{harness.Cluster.BasePort + 1}", StringComparison.Ordinal));
            if (holder is null) await Task.Delay(100);
        }
        Assert.True(holder is not null, $"trainer-1's evaluator never held an evaluation\n{harness.Logs()}");

        var held = holder.Evaluation![(id.Length + 1)..];  // SEARCH/EVALUATION
        await harness.KillAsync("trainer-1");

        AssertCompleted(await harness.WaitForCompletionAsync(id));
        // The evaluation it held was sent again to another evaluator (a second attempt), not failed or lost; the audit
        // checks it was answered exactly once.
        Assert.Contains($"while evaluating {held} of search {id}", harness.LogOf("coordinator"));
        Assert.True((await harness.NodesAsync()).EvaluationsReplayed >= 1, $"no evaluation was replayed\n{harness.Logs()}");
        var audit = await harness.AuditJournalAsync(id);
        Assert.Equal(0, audit.EvaluationsFailed);
    }
}
