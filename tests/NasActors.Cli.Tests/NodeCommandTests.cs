using Akka.Actor;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Commands;
using NasActors.Search;

namespace NasActors.Cli.Tests;

/// <summary><c>nas node</c>'s progress loop: <c>--until-idle</c> ends when no search runs, and gives up with an error,
/// rather than polling for ever, when the search manager never answers.</summary>
public sealed class NodeCommandTests
{
    static SearchStatus Search(RunPhase phase) => new("s", "tiny", phase, []);

    [Fact]
    public async Task Until_idle_should_end_once_no_search_is_running()
    {
        var answers = new Queue<SearchList>([new([Search(RunPhase.Running)]), new([Search(RunPhase.Completed)])]);
        var asks = 0;
        await NodeCommand.ReportUntilStopped(_ =>
        {
            asks++;
            return Task.FromResult(answers.Dequeue());
        }, pollSeconds: 0.1, untilIdle: true, CancellationToken.None);
        Assert.Equal(2, asks);
    }

    [Fact]
    public async Task Until_idle_should_give_up_with_the_reason_when_the_search_manager_never_answers()
    {
        var asks = 0;
        var error = await Assert.ThrowsAsync<NasException>(() => NodeCommand.ReportUntilStopped(_ =>
        {
            asks++;
            return Task.FromException<SearchList>(new AskTimeoutException("no answer"));
        }, pollSeconds: 0.1, untilIdle: true, CancellationToken.None, patience: TimeSpan.FromSeconds(0.3)));
        Assert.StartsWith("--until-idle: the search manager has not answered for", error.Message);
        Assert.Contains("no answer from the search manager yet", error.Message);
        Assert.Contains("journal is reachable", error.Message);
        Assert.True(asks >= 2, $"gave up after {asks} poll(s): an unanswered poll is tried again first");
    }

    [Fact]
    public async Task Without_until_idle_a_node_should_keep_polling_a_search_manager_that_does_not_answer_until_stopped()
    {
        using var stop = new CancellationTokenSource();
        var asks = 0;
        await NodeCommand.ReportUntilStopped(_ =>
        {
            if (++asks == 5) stop.Cancel();
            return Task.FromException<SearchList>(new NasException("its journal is down"));
        }, pollSeconds: 0.1, untilIdle: false, stop.Token, patience: TimeSpan.Zero);
        Assert.Equal(5, asks);
    }
}
