using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;
using NasActors.Search;

namespace NasActors.Cli.Cluster;

/// <summary>A PostgreSQL server of Debian's <c>postgresql</c> package in a folder of its own, on a loopback port, run as
/// an unprivileged user (<c>postgres</c> when started by root), with password authentication: the journal of
/// <c>nas cluster up</c> and of the cluster tests. Start, stop and start again keep the data.</summary>
public sealed class LocalPostgres
{
    public const string Database = "nas";
    public const string User = "nas";

    readonly string _binaries;

    public LocalPostgres(string folder, int port)
    {
        Folder = Path.GetFullPath(folder);
        Port = port;
        _binaries = FindBinaries();
    }

    public string Folder { get; }

    public int Port { get; }

    string DataDirectory => Path.Combine(Folder, "data");

    string PasswordFile => Path.Combine(Folder, "password");

    public string Password => File.ReadAllText(PasswordFile).Trim();

    /// <summary>The journal URL for <c>--journal</c>.</summary>
    public string Url => $"postgres://{User}:{Password}@127.0.0.1:{Port}/{Database}";

    /// <summary>The server's binaries from Debian's package (any installed version, newest first).</summary>
    static string FindBinaries()
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return found ?? throw new NasException("PostgreSQL is not installed: apt-get install postgresql (./nas cluster up and ./nas test install it)");
    }

    /// <summary>Creates the server (first time), starts it and makes the journal's database; returns when it accepts connections.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(Folder);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION"))) Initialise();
        RunServerTool("pg_ctl", "start", "-w", "-t", "60", "-D", DataDirectory, "-l", Path.Combine(Folder, "server.log"),
                      "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -k {Folder} -c fsync=off -c full_page_writes=off");
        await CreateDatabaseAsync();
    }

    /// <summary>Stops the server (fast shutdown: sessions are cut, as in an outage).</summary>
    public void Stop()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            RunServerTool("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", DataDirectory);
    }

    public bool IsRunning => File.Exists(Path.Combine(DataDirectory, "postmaster.pid"));

    void Initialise()
    {
        File.WriteAllText(PasswordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant() + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var passwordForServer = Path.Combine(Folder, "initdb-password");
        File.WriteAllText(passwordForServer, Password + "\n");
        GiveToServerUser(Folder);
        try
        {
            RunServerTool("initdb", "-D", DataDirectory, "-U", User, "--pwfile", passwordForServer, "--auth", "scram-sha-256", "-E", "UTF8", "--no-instructions");
        }
        finally
        {
            File.Delete(passwordForServer);
        }
    }

    async Task CreateDatabaseAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = User, Password = Password, Database = "postgres", Pooling = false, Timeout = 10,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{Database}'", connection);
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    /// <summary>PostgreSQL refuses to run as root: as root, the server runs as the package's <c>postgres</c> user.</summary>
    static bool AsServerUser => Environment.UserName == "root";

    void GiveToServerUser(string folder)
    {
        if (!AsServerUser || OperatingSystem.IsWindows()) return;
        Run("chown", "-R", "postgres:postgres", folder);
        // The server user must reach the folder through its parents (temporary folders are often root-only).
        for (var parent = Path.GetDirectoryName(folder); parent is not null && parent != "/"; parent = Path.GetDirectoryName(parent))
        {
            var mode = File.GetUnixFileMode(parent);
            if (!mode.HasFlag(UnixFileMode.OtherExecute)) File.SetUnixFileMode(parent, mode | UnixFileMode.OtherExecute);
        }
    }

    void RunServerTool(string tool, params string[] arguments)
    {
        var path = Path.Combine(_binaries, tool);
        if (AsServerUser) Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        else Run(path, arguments);
    }

    static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new NasException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new NasException($"{Path.GetFileName(program)} {string.Join(' ', arguments.Take(2))} failed (exit code {process.ExitCode}): {error.Result.Trim()} {output.Result.Trim()}");
    }
}
