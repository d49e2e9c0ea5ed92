using Akka.Configuration;

namespace NasActors.Actors.Persistence;

/// <summary>How often a search run snapshots its state (<c>nas.search.snapshot-every</c> in hocon/journal.conf, or the
/// NAS_SNAPSHOT_EVERY environment variable): every <paramref name="Every"/> events; 0 never.</summary>
public sealed record SnapshotSettings(int Every)
{
    public const int DefaultEvery = 200;
    public const string Path = "nas.search.snapshot-every";

    public const string EnvironmentVariable = "NAS_SNAPSHOT_EVERY";

    public static SnapshotSettings Create(Config config)
    {
        // Read here, not by a HOCON substitution: Akka's HOCON overflows its stack on `x = 1, x = ${?VARIABLE}`.
        var (source, text) = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } variable
            ? (EnvironmentVariable, variable)
            : (Path, config.HasPath(Path) ? config.GetString(Path) : null);
        if (text is null) return new SnapshotSettings(DefaultEvery);
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var every))
            throw new NasException($"{source} = {text} is invalid: expected a whole number of events (0: never snapshot)");
        return new SnapshotSettings(every);
    }

    /// <summary>Whether the state after the event of <paramref name="sequenceNr"/> is to be snapshotted.</summary>
    public bool IsDue(long sequenceNr) => Every > 0 && sequenceNr % Every == 0;
}
