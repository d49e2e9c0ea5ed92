namespace NasActors.Search.GroundTruth;

/// <summary>Where a ground-truth table named by a path lies now. The tables moved from <c>hocon/groundtruth/</c> to
/// <c>data/groundtruth/</c> (2026-12-02); a search journaled before keeps the old path in its spec text and reads the table
/// again on every recovery, so an old path still finds the table at its new place.</summary>
public static class GroundTruthLocation
{
    /// <summary>The folder the committed tables lived in until 2026-12-02.</summary>
    public const string FormerFolder = "hocon/groundtruth/";

    /// <summary>The folder of the committed tables.</summary>
    public const string Folder = "data/groundtruth/";

    /// <summary><paramref name="path"/> itself when a file is there; else, when it names a table in the former folder
    /// (relative or absolute) and that table is in the new one, its new path; else <paramref name="path"/> unchanged, so
    /// that an error names the path that was asked for.</summary>
    public static string Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path)) return path;
        var slashed = path.Replace('\\', '/');
        var at = slashed.LastIndexOf(FormerFolder, StringComparison.Ordinal);
        if (at < 0 || (at > 0 && slashed[at - 1] != '/')) return path;
        var moved = slashed[..at] + Folder + slashed[(at + FormerFolder.Length)..];
        return File.Exists(moved) ? moved : path;
    }
}
