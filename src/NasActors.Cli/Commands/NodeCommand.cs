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
        // No defaults here: what a flag leaves out comes from hocon/node.conf (or --config).
        var config = new Option<string?>("--config") { Description = "node configuration read over hocon/node.conf (nas.node { devices, evaluators, state-dir, journal, poll })" };
        var stateDirectory = new Option<string?>("--state-dir") { Description = $"the node's checkpoints, and its journal unless --journal names one (default {SearchCommands.DefaultStateDirectory})" };
        var journal = SearchCommands.Journal();
        var trainers = new Option<int?>("--trainers") { Description = "N trainer actors on the CPU, instead of the configuration's devices (default: cpu, cpu)" };
        var evaluators = new Option<int?>("--evaluators") { Description = "evaluator actors (default 1)" };
        var untilIdle = new Option<bool>("--until-idle") { Description = "exit once no search is running" };
        var poll = new Option<double?>("--poll") { Description = "seconds between progress reports (default 10)" };
        var command = new Command("node", "run an embedded node (every role, SQLite journal, CPU): it continues every unfinished search")
        {
            config, stateDirectory, journal, trainers, evaluators, untilIdle, poll,
        };
        command.SetAction(async (parsed, cancellation) =>
        {
            var configured = NodeConfig.Load(parsed.GetValue(config));
            configured = configured with
            {
                Devices = parsed.GetValue(trainers) is { } count ? Enumerable.Repeat("cpu", CommonOptions.Positive("--trainers", count)).ToArray() : configured.Devices,
                Evaluators = parsed.GetValue(evaluators) is { } e ? CommonOptions.Positive("--evaluators", e) : configured.Evaluators,
                StateDirectory = parsed.GetValue(stateDirectory) ?? configured.StateDirectory,
                Journal = parsed.GetValue(journal) ?? configured.Journal,
                PollSeconds = parsed.GetValue(poll) ?? configured.PollSeconds,
            };
            var settings = configured.ToSettings();
            await using var node = NasNode.Start(settings);
            Console.WriteLine($"node running on {configured.StateDirectory} with {settings.Devices.Count} trainers ({string.Join(", ", settings.Devices)}); " +
                              "Ctrl+C stops it (searches resume at the next start)");
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.1, configured.PollSeconds)), cancellation);
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
