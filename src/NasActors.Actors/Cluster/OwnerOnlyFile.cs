namespace NasActors.Actors.Cluster;

/// <summary>Secrets on disk (the admin token, the cluster certificate) readable by their owner alone.</summary>
public static class OwnerOnlyFile
{
    /// <summary>Owner-only from the moment the file exists: it is created with that mode (never written first and
    /// restricted after, when another user could open it in between); a file already there is replaced.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        stream.Write(content);
    }
}
