using NasActors.Actors.Persistence;

namespace NasActors.Actors.Cluster;

/// <summary>What one node runs: its journal, where checkpoints go, its trainers' devices and its evaluators.
/// <paramref name="TensorBoard"/>: a folder every search the node runs writes TensorBoard event files to (over its spec's).</summary>
public sealed record NodeSettings(JournalSettings Journal, string CheckpointDirectory, IReadOnlyList<string> Devices, int Evaluators, string LogLevel = "WARNING",
                                  string? TensorBoard = null)
{
    /// <summary>Evaluators score on the node's first device: with one node per GPU, that node's GPU.</summary>
    public string EvaluatorDevice => Devices.Count > 0 ? Devices[0] : "cpu";

    /// <summary>The embedded default: every role in one process, a SQLite journal and checkpoints under <paramref name="stateDirectory"/>.</summary>
    public static NodeSettings Embedded(string stateDirectory, int trainers, int evaluators = 1, string device = "cpu") =>
        new(JournalSettings.Sqlite(Path.Combine(stateDirectory, "journal.db")), Path.Combine(stateDirectory, "checkpoints"),
            Enumerable.Repeat(device, trainers).ToArray(), evaluators);
}
