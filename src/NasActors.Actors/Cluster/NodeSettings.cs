using NasActors.Actors.Persistence;

namespace NasActors.Actors.Cluster;

/// <summary>What one node runs: its journal, where checkpoints go, its trainers' devices and its evaluators.</summary>
public sealed record NodeSettings(JournalSettings Journal, string CheckpointDirectory, IReadOnlyList<string> Devices, int Evaluators, string LogLevel = "WARNING")
{
    /// <summary>The embedded default: every role in one process, a SQLite journal and checkpoints under <paramref name="stateDirectory"/>.</summary>
    public static NodeSettings Embedded(string stateDirectory, int trainers, int evaluators = 1) =>
        new(JournalSettings.Sqlite(Path.Combine(stateDirectory, "journal.db")), Path.Combine(stateDirectory, "checkpoints"),
            Enumerable.Repeat("cpu", trainers).ToArray(), evaluators);
}
