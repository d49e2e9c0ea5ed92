using Akka.Actor;
using Akka.TestKit;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Runs;

public sealed class SearchManagerTests : JournalTestKit
{
    IActorRef Manager() => Sys.ActorOf(SearchManager.Props(Training, Evaluations));

    [Fact]
    public async Task Manager_should_create_a_run_that_hands_outTraining_and_list_it()
    {
        var manager = Manager();
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal, 1), TestActor);
        var created = await ExpectMsgAsync<SearchCreated>();
        Assert.StartsWith("tiny-", created.SearchId);
        await Training.ExpectMsgAsync<TrainStrategy>();
        await Training.ExpectMsgAsync<TrainStrategy>();

        manager.Tell(ListSearches.Instance, TestActor);
        var list = await ExpectMsgAsync<SearchList>();
        Assert.Equal([(created.SearchId, RunPhase.Running)], list.Searches.Select(s => (s.SearchId, s.Phase)));
    }

    /// <summary>Stops <paramref name="manager"/> and starts another, which knows only what it recovers from the journal.</summary>
    async Task<IActorRef> Recovered(IActorRef manager)
    {
        Watch(manager);
        Sys.Stop(manager);
        await ExpectTerminatedAsync(manager);
        return Manager();
    }

    [Fact]
    public async Task Manager_should_refuse_a_bad_spec_and_create_nothing()
    {
        var manager = Manager();
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal.Replace("steps = 10", "steps = -1"), 1), TestActor);
        Assert.Contains("search.training.steps = -1", (await ExpectMsgAsync<CommandRejected>()).Reason);
        manager.Tell(ListSearches.Instance, TestActor);
        Assert.Empty((await ExpectMsgAsync<SearchList>()).Searches);

        (await Recovered(manager)).Tell(ListSearches.Instance, TestActor);
        Assert.Empty((await ExpectMsgAsync<SearchList>()).Searches);
    }

    [Fact]
    public async Task A_spec_whose_ground_truth_file_is_missing_should_be_refused_before_anything_is_journaled()
    {
        // The run reads the table when it starts; the manager once journaled the search before that, so a refused
        // search came back, never started, from the journal at every restart.
        var missing = Path.Combine(Path.GetTempPath(), $"nasactors-missing-{Guid.NewGuid():N}.csv");
        var manager = Manager();
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal.Replace("name = tiny", $"name = tiny\n  ground-truth = \"{missing}\""), 1), TestActor);
        Assert.Contains($"ground-truth file '{missing}' does not exist", (await ExpectMsgAsync<CommandRejected>()).Reason);

        var recovered = await Recovered(manager);
        recovered.Tell(ListSearches.Instance, TestActor);
        Assert.Empty((await ExpectMsgAsync<SearchList>()).Searches);
        await Training.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        // The next search is the first the journal holds.
        recovered.Tell(new CreateSearch(SearchSpecTests.Minimal, 1), TestActor);
        Assert.EndsWith("-1", (await ExpectMsgAsync<SearchCreated>()).SearchId);
    }

    [Fact]
    public async Task Commands_for_an_unknown_search_id_should_be_refused_naming_it()
    {
        Manager().Tell(new GetSearchStatus("nope"), TestActor);
        Assert.Contains("unknown search id 'nope'", (await ExpectMsgAsync<CommandRejected>()).Reason);
    }

    [Fact]
    public async Task A_restarted_manager_should_bring_back_unfinished_runs_which_continue()
    {
        var manager = Manager();
        manager.Tell(new CreateSearch(SearchSpecTests.Minimal, 1), TestActor);
        var created = await ExpectMsgAsync<SearchCreated>();
        await Training.ExpectMsgAsync<TrainStrategy>();
        await Training.ExpectMsgAsync<TrainStrategy>();
        Watch(manager);
        Sys.Stop(manager);
        await ExpectTerminatedAsync(manager);

        manager = Manager();

        var resumed = new[] { await Training.ExpectMsgAsync<TrainStrategy>(), await Training.ExpectMsgAsync<TrainStrategy>() };
        Assert.All(resumed, r => Assert.Equal(created.SearchId, r.SearchId));
        manager.Tell(new GetSearchStatus(created.SearchId), TestActor);
        Assert.Equal(RunPhase.Running, (await ExpectMsgAsync<SearchStatus>()).Phase);
    }
}
