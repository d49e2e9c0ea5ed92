using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Microsoft.Data.Sqlite;
using NasActors.Actors.Persistence;
using NasActors.Actors.Tests.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Runs;

/// <summary>A journal that refuses writes (SQLite's full-disk error, injected by the persistence TestKit's journal): the run
/// is held with the reason, trains nothing, loses nothing committed, and goes on once writes go through again.</summary>
public sealed class JournalFaultTests : Akka.TestKit.Xunit2.TestKit
{
    static readonly Config TestJournalConfig = ConfigurationFactory.ParseString("""
        akka.test.timefactor = 5
        nas.search.journal-retry = 200ms
        """).WithFallback(TestJournals.Config);

    public JournalFaultTests() : base(TestJournalConfig)
    {
        Journal = TestJournals.Of(Sys);
        Training = CreateTestProbe();
        Evaluations = CreateTestProbe();
    }

    ITestJournal Journal { get; }
    Akka.TestKit.TestProbe Training { get; }
    Akka.TestKit.TestProbe Evaluations { get; }

    /// <summary>What Microsoft.Data.Sqlite throws when the disk under the journal file is full.</summary>
    sealed class DiskFull : IJournalInterceptor
    {
        public Task InterceptAsync(IPersistentRepresentation message) =>
            throw new SqliteException("SQLite Error 13: 'database or disk is full'.", 13);
    }

    Task DiskFills() => Journal.OnWrite.SetInterceptorAsync(new DiskFull());

    /// <summary>A reply on a probe of its own: an ask sent while the run restarts goes unanswered, and a late answer must
    /// not be read as the reply to a later command.</summary>
    async Task<T> Ask<T>(IActorRef manager, object message)
    {
        var probe = CreateTestProbe();
        manager.Tell(message, probe.Ref);
        return await probe.ExpectMsgAsync<T>(TimeSpan.FromSeconds(1));
    }

    Task<SearchStatus> StatusOf(IActorRef manager, string id) => Ask<SearchStatus>(manager, new GetSearchStatus(id));

    [Fact]
    public async Task A_run_whose_journal_fills_up_should_be_held_with_the_reason_and_continue_from_its_last_commit_once_it_takes_writes()
    {
        var manager = Sys.ActorOf(SearchManager.Supervised(Training, Evaluations));
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal, 1), TestActor);
        var id = (await ExpectMsgAsync<SearchCreated>()).SearchId;
        var jobs = new[] { await Training.ExpectMsgAsync<TrainStrategy>(), await Training.ExpectMsgAsync<TrainStrategy>() };
        // By path: the run the supervisor starts again after a failed write is another actor at the same path.
        var run = Sys.ActorSelection(Training.LastSender.Path);
        run.Tell(new CheckpointSaved(id, "a", 5, "/ckpt/a/5", "aa", Final: false, ""));
        await AwaitAssertAsync(async () => Assert.Equal(5, (await StatusOf(manager, id)).Strategies.Single(s => s.Strategy == "a").CheckpointStep));

        await DiskFills();
        run.Tell(new CheckpointSaved(id, "a", 10, "/ckpt/a/10", "bb", Final: false, ""));
        // The failed write stops the run: it first tells the trainers to stop, as nothing they write could be committed.
        Assert.Equal(id, (await Training.ExpectMsgAsync<StopTraining>()).SearchId);

        SearchStatus? held = null;
        await AwaitAssertAsync(async () => Assert.NotNull((held = await StatusOf(manager, id)).JournalFault));
        Assert.Contains("database or disk is full", held!.JournalFault);
        Assert.Contains("free space", held.JournalFault);
        Assert.Equal(RunPhase.Running, held.Phase);
        Assert.Equal(5, held.Strategies.Single(s => s.Strategy == "a").CheckpointStep);  // step 10 was never committed

        // Held: several probes fail (every 200 ms) and nothing is handed out; a person's command is refused with the reason.
        await Training.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
        manager.Tell(new StopSearch(id), TestActor);
        Assert.Contains("refuses writes", (await ExpectMsgAsync<CommandRejected>()).Reason);
        // A report that arrives while the run is held waits for the journal instead of being lost.
        run.Tell(new CheckpointSaved(id, "b", 5, "/ckpt/b/5", "cc", Final: false, ""));

        await Journal.OnWrite.Pass();
        var resumed = new[] { await Training.ExpectMsgAsync<TrainStrategy>(), await Training.ExpectMsgAsync<TrainStrategy>() };
        Assert.Equal(["a", "b"], resumed.Select(j => j.Strategy).Order());
        Assert.Equal([5L], resumed.Single(j => j.Strategy == "a").Checkpoints.Select(c => c.Step));
        Assert.Equal(jobs.Select(j => j.Strategy).Order(), resumed.Select(j => j.Strategy).Order());
        await AwaitAssertAsync(async () =>
        {
            var status = await StatusOf(manager, id);
            Assert.Null(status.JournalFault);
            Assert.Equal(5, status.Strategies.Single(s => s.Strategy == "b").CheckpointStep);
        });

        run.Tell(new CheckpointSaved(id, "a", 10, "/ckpt/a/10", "bb", Final: false, ""));
        await AwaitAssertAsync(async () => Assert.Equal(10, (await StatusOf(manager, id)).Strategies.Single(s => s.Strategy == "a").CheckpointStep));
    }

    [Fact]
    public async Task A_search_the_journal_cannot_write_should_be_refused_with_the_reason_and_the_manager_should_take_the_next_one()
    {
        var manager = Sys.ActorOf(SearchManager.Supervised(Training, Evaluations));
        await DiskFills();
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal, 1), TestActor);
        var refused = await ExpectMsgAsync<CommandRejected>();
        Assert.Contains("was not created", refused.Reason);
        Assert.Contains("database or disk is full", refused.Reason);

        await Journal.OnWrite.Pass();
        // The manager stopped on the failed write; its supervisor starts it again, and it knows no search.
        await AwaitAssertAsync(async () => Assert.Empty((await Ask<SearchList>(manager, ListSearches.Instance)).Searches));
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal, 1), TestActor);
        await ExpectMsgAsync<SearchCreated>();
        await Training.ExpectMsgAsync<TrainStrategy>();
    }
}
