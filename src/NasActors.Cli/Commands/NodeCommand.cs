using System.CommandLine;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Cli.Commands;

/// <summary><c>nas node</c>: an embedded node with every role; it continues every unfinished search in its journal
/// and runs until stopped (Ctrl+C), or with <c>--until-idle</c> until no search is left running.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var stateDirectory = SearchCommands.StateDirectory();
        var journal = SearchCommands.Journal();
        var trainers = new Option<int>("--trainers") { Description = "trainer actors (one per device; here CPU)", DefaultValueFactory = _ => 2 };
        var evaluators = new Option<int>("--evaluators") { Description = "evaluator actors", DefaultValueFactory = _ => 1 };
        var untilIdle = new Option<bool>("--until-idle") { Description = "exit once no search is running" };
        var poll = new Option<double>("--poll") { Description = "seconds between progress reports", DefaultValueFactory = _ => 10 };
        var command = new Command("node", "run an embedded node (every role, SQLite journal, CPU): it continues every unfinished search")
        {
            stateDirectory, journal, trainers, evaluators, untilIdle, poll,
        };
        command.SetAction(async (parsed, cancellation) =>
        {
            var settings = SearchCommands.Settings(parsed.GetValue(stateDirectory)!, parsed.GetValue(journal),
                CommonOptions.Positive("--trainers", parsed.GetValue(trainers)), CommonOptions.Positive("--evaluators", parsed.GetValue(evaluators)));
            await using var node = NasNode.Start(settings);
            Console.WriteLine($"node running on {parsed.GetValue(stateDirectory)} with {settings.Devices.Count} trainers; Ctrl+C stops it (searches resume at the next start)");
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.2, parsed.GetValue(poll))), cancellation);
                    var list = await node.AskAsync<SearchList>(ListSearches.Instance);
                    foreach (var search in list.Searches.Where(s => s.Phase == RunPhase.Running)) SearchCommands.PrintStatus(search);
                    if (parsed.GetValue(untilIdle) && list.Searches.All(s => s.Phase != RunPhase.Running)) break;
                }
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("node stopping");
            }
            return 0;
        });
        return command;
    }
}
