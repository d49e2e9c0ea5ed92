using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Bench;
using NasActors.Cli.Commands;

namespace NasActors.Cli.Tests;

/// <summary>The parts of <c>nas bench chaos</c> that need no process: its kill plan, how it reads a node's progress, how it
/// compares a killed run with an uninterrupted one, and how it finds evaluations journaled twice.</summary>
public sealed class ChaosComparisonTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_kill_plan_should_be_a_function_of_its_seed_with_points_in_order_and_no_recovery_kill_first()
    {
        var plan = ChaosSchedule.Draw(seed: 7, kills: 20, trainingUnits: 40, totalUnits: 126);

        Assert.Equal(plan, ChaosSchedule.Draw(seed: 7, kills: 20, trainingUnits: 40, totalUnits: 126));
        Assert.NotEqual(plan, ChaosSchedule.Draw(seed: 8, kills: 20, trainingUnits: 40, totalUnits: 126));
        Assert.Equal(Enumerable.Range(1, 20), plan.Select(k => k.Number));
        Assert.Equal(plan.Select(k => k.AfterUnits).Order(), plan.Select(k => k.AfterUnits));
        Assert.All(plan, k => Assert.InRange(k.AfterUnits, 0, 0.8 * 126));
        Assert.NotEqual(KillMoment.Recovery, plan[0].Moment);
        // Training and checkpoint kills before the supernets are trained, evaluation kills after.
        Assert.All(plan.Where(k => k.Moment is KillMoment.Training or KillMoment.Checkpoint), k => Assert.True(k.AfterUnits < 40));
        Assert.All(plan.Where(k => k.Moment is KillMoment.Evaluation), k => Assert.True(k.AfterUnits >= 40));
    }

    [Fact]
    public void Kill_plans_over_a_few_seeds_should_hit_every_moment()
    {
        var moments = Enumerable.Range(1, 5).SelectMany(seed => ChaosSchedule.Draw(seed, 20, 40, 126)).Select(k => k.Moment).ToHashSet();

        Assert.Equal(Enum.GetValues<KillMoment>().ToHashSet(), moments);
    }

    [Fact]
    public void A_node_progress_report_should_read_back_as_the_status_it_prints()
    {
        var status = new SearchStatus("s-1", "tiny", RunPhase.Running, [
            Strategy("a", checkpointStep: 140, trained: false, evaluations: 0, probes: 0),
            Strategy("long-strategy-name", checkpointStep: 200, trained: true, evaluations: 6, probes: 2),
            Strategy("c", 0, false, 0, 0) with { FailureReason = "NaN loss at step 3" },
        ]);

        var parsed = SearchCommands.StatusLines(status).Select(ChaosProgress.ParseStatusLine).ToArray();

        Assert.Null(parsed[0]);
        Assert.Equal(new StrategyProgress("a", 140, false, 0, 0), parsed[1]);
        // A trained strategy's line shows no step: its checkpoints count in full.
        Assert.Equal(new StrategyProgress("long-strategy-name", 0, true, 6, 2), parsed[2]);
        Assert.Equal("NaN loss at step 3", parsed[3]!.FailureReason);
    }

    [Fact]
    public void Runs_that_end_alike_should_compare_identical()
    {
        var verdict = ChaosComparison.Compare(Export(), Export());

        Assert.True(verdict.Identical, string.Join("\n", verdict.Differences));
        Assert.Equal((0, 0, 3), (verdict.Lost, verdict.Duplicated, verdict.Evaluations));
    }

    [Fact]
    public void A_killed_run_that_lost_an_evaluation_and_evaluated_another_should_count_one_lost_and_one_duplicated()
    {
        var reference = Export();
        var chaos = reference with
        {
            Evaluations = [reference.Evaluations[0], reference.Evaluations[1] with { Accuracy = null }, reference.Evaluations[2],
                           reference.Evaluations[2] with { EvaluationId = "a/4" }],
        };

        var verdict = ChaosComparison.Compare(reference, chaos);

        Assert.Equal((1, 1), (verdict.Lost, verdict.Duplicated));
        Assert.Contains("evaluation a/2 (|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|) is unanswered", verdict.Differences);
        Assert.Contains(verdict.Differences, d => d.StartsWith("evaluation a/4 ", StringComparison.Ordinal) && d.EndsWith("is not in the uninterrupted run", StringComparison.Ordinal));
    }

    [Fact]
    public void Different_weights_paths_results_checkpoints_or_leaderboards_should_each_be_named()
    {
        var reference = Export();
        var strategy = reference.Status.Strategies[0];
        var chaos = reference with
        {
            Status = reference.Status with { Strategies = [strategy with { WeightsSha256 = "other", PathsDigest = "other" }] },
            Evaluations = [reference.Evaluations[0] with { Accuracy = 0.25 }, reference.Evaluations[1], reference.Evaluations[2]],
            Checkpoints = [new ExportedCheckpoint("a", 10, 2.25, 50)],
            Ranking = reference.Ranking with { Strategies = [reference.Ranking.Strategies[0] with { KendallTau = 0.5 }] },
        };

        var verdict = ChaosComparison.Compare(reference, chaos);

        Assert.Equal((0, 0), (verdict.Lost, verdict.Duplicated));
        Assert.Contains("strategy a final weights (SHA-256): other where the uninterrupted run has w", verdict.Differences);
        Assert.Contains("strategy a path digest: other where the uninterrupted run has p", verdict.Differences);
        Assert.Contains("evaluation a/1 accuracy: 0.25 where the uninterrupted run has 0.5", verdict.Differences);
        Assert.Contains("strategy a checkpoints (step: mean loss): 10: 2.25 where the uninterrupted run has 10: 2.5", verdict.Differences);
        Assert.Contains(verdict.Differences, d => d.StartsWith("leaderboard of a ranking quality", StringComparison.Ordinal));
        Assert.Equal(5, verdict.Differences.Count);
    }

    [Fact]
    public async Task The_journal_reader_should_count_an_evaluation_answered_twice_even_after_its_rows_were_deleted()
    {
        var file = _temp.File("journal.db");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE journal (persistence_id TEXT, sequence_number INTEGER, message BLOB, manifest TEXT)";
            await create.ExecuteNonQueryAsync();
        }
        var journal = new ChaosJournal(JournalSettings.Sqlite(file), "s-1");
        await Append(file, 1, new EvaluationRequested("a/1", "a", "x", "ckpt", "sha"));
        await Append(file, 2, new EvaluationCompleted("a/1", 0.5));
        await journal.ReadAsync();
        await Execute(file, "DELETE FROM journal");  // as a snapshot deletes the events before it
        await Append(file, 3, new EvaluationCompleted("a/1", 0.5));
        await journal.ReadAsync();

        Assert.Equal(3, journal.Events);
        Assert.Empty(journal.RequestedTwice());
        Assert.Equal(new Dictionary<string, int> { ["a/1"] = 2 }, journal.AnsweredTwice());
        var verdict = ChaosComparison.Compare(Export(), Export(), journal);
        Assert.Equal(1, verdict.Duplicated);
        Assert.Contains("evaluation a/1 was answered 2 times in the journal", verdict.Differences);
    }

    static async Task Append(string file, long sequence, ISearchEvent @event) =>
        await Execute(file, "INSERT INTO journal VALUES ('search-s-1', $sequence, $message, $manifest)",
                      ("$sequence", sequence), ("$message", JournalFormats.Encode(@event)), ("$manifest", JournalFormats.Of(@event.GetType()).Manifest));

    static async Task Execute(string file, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    static StrategyStatus Strategy(string name, long checkpointStep, bool trained, int evaluations, int probes) =>
        new(name, "uniform", checkpointStep, 200, trained, null, evaluations, 0, 0, 8, null, null, ProbesCompleted: probes, Probes: 3);

    /// <summary>A completed one-strategy run with three evaluations (the last a ground-truth probe) and one checkpoint.</summary>
    static SearchExport Export() => new(
        new SearchStatus("s-1", "tiny", RunPhase.Completed, [Strategy("a", 10, true, 2, 1) with { WeightsSha256 = "w", PathsDigest = "p" }]),
        new SearchRanking("s-1", [new StrategyRanking("a", [new RankedChild("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", 0.5, null)], 1, 0.25, 0.25, null)]),
        "spec",
        [
            new ExportedEvaluation("a/1", "a", "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", false, 0.5, null),
            new ExportedEvaluation("a/2", "a", "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|", false, 0.375, null),
            new ExportedEvaluation("a/ground-truth/1", "a", "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", true, 0.125, null),
        ],
        [new ExportedCheckpoint("a", 10, 2.5, 100)]);
}
