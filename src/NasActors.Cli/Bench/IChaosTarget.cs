using NasActors.Actors.Protocol;

namespace NasActors.Cli.Bench;

/// <summary>A node (or, with --cluster, any node of a cluster) that a chaos run kills: it starts the search, kills at a
/// planned moment and restarts what it killed, runs the search to its end, and exports it.</summary>
internal interface IChaosTarget : IAsyncDisposable
{
    ChaosJournal? JournalRows { get; }

    Task<string> StartSearchAsync();

    /// <summary>Kills at the planned moment and restarts; null when the search ended first (or a strategy failed).</summary>
    Task<KillReport?> KillAsync(PlannedKill planned, CancellationToken cancellation);

    Task FinishAsync(CancellationToken cancellation);

    Task<SearchExport> ExportAsync();
}
