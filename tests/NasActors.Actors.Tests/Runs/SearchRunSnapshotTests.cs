using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Data.Sqlite;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Tests.Persistence;

namespace NasActors.Actors.Tests.Runs;

/// <summary>Snapshots of a run: every N events (here 4), the events and snapshots before one deleted, and recovery from a
/// snapshot and its tail exactly as from a full replay, for the state and for the run that continues from it.</summary>
public sealed class SearchRunSnapshotTests : Akka.TestKit.Xunit2.TestKit
{
    const int Every = 4;
    static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    readonly string _journal;
    readonly string _fullReplayJournal = Path.Combine(Path.GetTempPath(), $"nasactors-full-{Guid.NewGuid():N}.db");

    public SearchRunSnapshotTests() : this(Path.Combine(Path.GetTempPath(), $"nasactors-snapshots-{Guid.NewGuid():N}.db")) { }

    SearchRunSnapshotTests(string journal) : base(Config(journal, Every)) => _journal = journal;

    static Config Config(string journal, int every) =>
        ConfigurationFactory.ParseString($"akka.test.timefactor = 5\nnas.search.snapshot-every = {every}").WithFallback(JournalSettings.Sqlite(journal).ToConfig());

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _journal, _fullReplayJournal }.SelectMany(j => new[] { j, j + "-wal", j + "-shm" }))
            if (File.Exists(file)) File.Delete(file);
    }

    static SearchRunState Replay(IEnumerable<ISearchEvent> events)
    {
        var state = new SearchRunState();
        foreach (var @event in events) state.Apply(@event);
        return state;
    }

    /// <summary>Everything a run decides from: its whole state, its rankings, what it would dispatch again and ask next.</summary>
    static string Fingerprint(SearchRunState state) => string.Join('\n',
        System.Text.Encoding.UTF8.GetString(JournalFormats.Encode(state.ToSnapshot())),
        JsonSerializer.Serialize(Ranking.Compute(state, int.MaxValue), Json),
        string.Join(' ', state.PendingEvaluations().Select(e => e.EvaluationId)),
        string.Join(' ', state.Strategies.Select(s => state.ProposeEvaluation(s.Id)?.ToString() ?? "none")),
        $"{state.Phase} {state.AllStrategiesDone} {state.Threads} {state.StartedAt:O}");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]  // with results waiting for older ones before the evolution sees them
    public void A_state_recovered_from_any_snapshot_and_its_tail_should_be_the_state_a_full_replay_gives(bool resultsInRequestOrder)
    {
        var history = JournalSamples.History(resultsInRequestOrder);
        Assert.True(history.Count >= 40, $"the history has only {history.Count} events");
        var full = Fingerprint(Replay(history));
        for (var cut = 1; cut < history.Count; cut++)
        {
            var before = Replay(history.Take(cut));
            var stored = JournalFormats.Encode(before.ToSnapshot());
            var recovered = SearchRunState.FromSnapshot((SearchRunSnapshot)JournalFormats.Decode(stored, JournalFormats.Of(typeof(SearchRunSnapshot)).Manifest));
            Assert.Equal(Fingerprint(before), Fingerprint(recovered));  // the same next proposals, from the evolution's restored generator
            foreach (var @event in history.Skip(cut)) recovered.Apply(@event);
            Assert.Equal(full, Fingerprint(recovered));
        }
    }

    [Fact]
    public void A_run_that_never_started_should_have_no_snapshot()
    {
        Assert.Throws<InvalidOperationException>(() => new SearchRunState().ToSnapshot());
    }

    /// <summary>The same commands, in the same order, to a run (training and evaluations answered by the probes).</summary>
    static async Task<List<EvaluateChild>> Drive(IActorRef run, TestProbe training, TestProbe evaluations, IActorRef replyTo)
    {
        run.Tell(new StartSearch("s", SearchSpecTests.Minimal, Threads: 1), replyTo);
        await training.ExpectMsgAsync<TrainStrategy>();
        await training.ExpectMsgAsync<TrainStrategy>();
        run.Tell(new CheckpointSaved("s", "a", 5, "/a/5", "aa", Final: false, ""));
        run.Tell(new CheckpointSaved("s", "a", 10, "/a/10", "ab", Final: true, "wa"));
        var first = await evaluations.ExpectMsgAsync<EvaluateChild>();
        var second = await evaluations.ExpectMsgAsync<EvaluateChild>();
        run.Tell(new EvaluationSucceeded("s", first.Request.EvaluationId, 0.5, 1));
        var third = await evaluations.ExpectMsgAsync<EvaluateChild>();
        run.Tell(new CheckpointSaved("s", "b", 5, "/b/5", "ba", Final: false, ""));
        run.Tell(new CheckpointUnusable("s", "b", 5, "corrupt"));
        run.Tell(new CheckpointSaved("s", "b", 5, "/b/5-again", "bb", Final: false, ""));
        return [second, third];
    }

    static async Task<string> Export(IActorRef run, TestKitBase kit)
    {
        run.Tell(new ExportSearch("s"), kit.TestActor);
        return JsonSerializer.Serialize(await kit.ExpectMsgAsync<SearchExport>(), Json);
    }

    async Task<IActorRef> Restart(ActorSystem system, IActorRef run, TestProbe training, TestProbe evaluations)
    {
        Watch(run);
        run.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(run);
        return system.ActorOf(SearchRun.Props("s", training, evaluations));
    }

    [Fact]
    public async Task A_run_should_snapshot_every_N_events_delete_what_the_snapshot_holds_and_resume_from_it_exactly_as_from_a_full_replay()
    {
        using var fullSystem = ActorSystem.Create("full-replay", Config(_fullReplayJournal, every: 0));
        var (training, evaluations) = (CreateTestProbe(), CreateTestProbe());
        var (fullTraining, fullEvaluations) = (CreateTestProbe(fullSystem), CreateTestProbe(fullSystem));
        var run = Sys.ActorOf(SearchRun.Props("s", training, evaluations));
        var fullRun = fullSystem.ActorOf(SearchRun.Props("s", fullTraining, fullEvaluations));
        var pending = await Drive(run, training, evaluations, TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        var fullPending = await Drive(fullRun, fullTraining, fullEvaluations, TestActor);
        await ExpectMsgAsync<CommandAccepted>();
        var live = await Export(run, this);
        Assert.Equal(live, await Export(fullRun, this));

        // 11 events (started, 2 checkpoints of a, trained, 3 requested, 1 completed, b's checkpoint, rejected, again):
        // snapshots at 4 and 8, and only the one at 8 is left, with the events after it.
        const string id = "search-s";
        await AwaitAssertAsync(() =>
        {
            Assert.Equal([8L], Longs(_journal, $"SELECT sequence_number FROM snapshot WHERE persistence_id = '{id}'"));
            Assert.Equal([9L, 10L, 11L], Longs(_journal, $"SELECT sequence_number FROM journal WHERE persistence_id = '{id}' AND deleted = 0 ORDER BY sequence_number"));
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i),
                     Longs(_fullReplayJournal, $"SELECT sequence_number FROM journal WHERE persistence_id = '{id}' ORDER BY sequence_number"));
        Assert.Empty(Longs(_fullReplayJournal, "SELECT sequence_number FROM snapshot"));

        run = await Restart(Sys, run, training, evaluations);
        Watch(fullRun);
        fullRun.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(fullRun);
        fullRun = fullSystem.ActorOf(SearchRun.Props("s", fullTraining, fullEvaluations));

        Assert.Equal(live, await Export(run, this));
        Assert.Equal(live, await Export(fullRun, this));
        var resumed = await training.ExpectMsgAsync<TrainStrategy>();
        Assert.Equal(JsonSerializer.Serialize(await fullTraining.ExpectMsgAsync<TrainStrategy>(), Json), JsonSerializer.Serialize(resumed, Json));
        Assert.Equal(("b", "/b/5-again"), (resumed.Strategy, resumed.ResumeFrom!.Path));
        var replayed = new[] { await evaluations.ExpectMsgAsync<EvaluateChild>(), await evaluations.ExpectMsgAsync<EvaluateChild>() };
        var fullReplayed = new[] { await fullEvaluations.ExpectMsgAsync<EvaluateChild>(), await fullEvaluations.ExpectMsgAsync<EvaluateChild>() };
        Assert.Equal(pending.Select(p => p.Request), replayed.Select(r => r.Request));
        Assert.Equal(fullPending.Select(p => p.Request), fullReplayed.Select(r => r.Request));

        // Continuing from the snapshot: new events after the highest sequence number, the same results as the full replay.
        foreach (var (target, requests) in new[] { (run, replayed), (fullRun, fullReplayed) })
            foreach (var request in requests) target.Tell(new EvaluationSucceeded("s", request.Request.EvaluationId, 0.25, 1));
        run.Tell(new CheckpointSaved("s", "b", 10, "/b/10", "bc", Final: true, "wb"));
        fullRun.Tell(new CheckpointSaved("s", "b", 10, "/b/10", "bc", Final: true, "wb"));
        var next = await evaluations.ExpectMsgAsync<EvaluateChild>();
        Assert.Equal((await fullEvaluations.ExpectMsgAsync<EvaluateChild>()).Request, next.Request);
        Assert.Equal(await Export(fullRun, this), await Export(run, this));
        Assert.Equal(Longs(_fullReplayJournal, $"SELECT MAX(sequence_number) FROM journal WHERE persistence_id = '{id}'"),
                     Longs(_journal, $"SELECT MAX(sequence_number) FROM journal WHERE persistence_id = '{id}'"));
        await fullSystem.Terminate();
    }

    static List<long> Longs(string journal, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        using var reader = query.ExecuteReader();
        var values = new List<long>();
        while (reader.Read()) values.Add(reader.GetInt64(0));
        return values;
    }
}
