using System.CommandLine;
using NasActors.Cli.Bench;
using NasActors.Cli.Commands;
using NasActors.Search;

namespace NasActors.Cli;

/// <summary>The <c>nas</c> command: demo, space, train-child, groundtruth, bench.</summary>
public static class Program
{
    /// <summary>Exit code for errors the user caused (bad input, missing files).</summary>
    public const int UsageError = 2;

    /// <summary>Every command and its options, as <see cref="Main"/> parses them (tests check README.md's commands against it).</summary>
    public static RootCommand CreateRoot() =>
        new("NasActors: weight-sharing neural architecture search on actors")
        {
            DemoCommand.Create(),
            NodeCommand.Create(),
            ConsoleCommand.Create(),
            ConsoleCommand.Nodes(),
            ClusterCommand.Create(),
            SearchCommands.Create(),
            SpaceCommands.Create(),
            TrainChildCommand.Create(),
            GroundTruthCommand.Create(),
            BenchCommands.Create(),
            RankBenchCommand.Create(),
            InterferenceCommand.Create(),
        };

    public static int Main(string[] args)
    {
        var parsed = CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run with --help for the commands and options.");
            return UsageError;
        }
        try
        {
            // Asynchronous invocation: SIGINT and SIGTERM cancel the command's token, so a node or demo stops cleanly.
            return parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).GetAwaiter().GetResult();
        }
        catch (NasException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        finally
        {
            NasActors.Actors.Telemetry.NodeLogging.Flush();
        }
    }
}
