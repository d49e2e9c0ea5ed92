using System.Diagnostics;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Search;

namespace NasActors.Cli.Bench;

/// <summary>One search run to the end in a fresh embedded node on a temporary state folder, timed from the node's
/// start: what the actor benchmarks measure.</summary>
internal static class EmbeddedRun
{
    public static async Task<(double Seconds, SearchStatus Status)> ToCompletion(string spec, int trainers, int threads)
    {
        var state = Directory.CreateTempSubdirectory("nas-bench-run-");
        try
        {
            var clock = Stopwatch.StartNew();
            await using var node = NasNode.Start(NodeSettings.Embedded(state.FullName, trainers));
            var created = await node.AskAsync<SearchCreated>(new CreateSearch(spec, threads));
            SearchStatus status;
            do
            {
                await Task.Delay(20);
                status = await node.AskAsync<SearchStatus>(new GetSearchStatus(created.SearchId));
                if (status.Strategies.FirstOrDefault(s => s.FailureReason is not null) is { } failed)
                    throw new NasException($"strategy {failed.Strategy} failed: {failed.FailureReason}");
            } while (status.Phase != RunPhase.Completed);
            return (clock.Elapsed.TotalSeconds, status);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            state.Delete(recursive: true);
        }
    }
}
