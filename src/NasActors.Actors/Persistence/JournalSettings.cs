using Akka.Configuration;
using Akka.Persistence.Sql;

namespace NasActors.Actors.Persistence;

/// <summary>Where search runs are journaled: a SQLite file (embedded, one machine) or PostgreSQL (a cluster).</summary>
public sealed record JournalSettings(string ProviderName, string ConnectionString)
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    public static JournalSettings Sqlite(string file) =>
        new(SqliteProvider, $"Data Source={Path.GetFullPath(file)};Pooling=True");

    public static JournalSettings Postgres(string connectionString) => new(PostgresProvider, connectionString);

    /// <summary>Akka.Persistence.Sql's journal and snapshot store on this database, from hocon/persistence-*.conf over
    /// hocon/journal.conf (the journal's serializer and snapshot interval), hocon/base.conf and the plugin's defaults
    /// (which Akka does not load by itself: without them the first persistent actor dies in PreStart).</summary>
    public Config ToConfig()
    {
        var file = ProviderName == PostgresProvider ? "persistence-postgres.conf" : "persistence-sqlite.conf";
        // Substitutions resolve within one document: the connection string goes in front of the file's text.
        var text = $"nas.journal.connection-string = {ConfigQuote(ConnectionString)}\n{File.ReadAllText(HoconFile(file))}";
        var config = ConfigurationFactory.ParseString(text)
            .WithFallback(FormatConfig())
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(HoconFile("base.conf"))))
            .WithFallback(SqlPersistence.DefaultConfiguration);
        SnapshotSettings.Create(config);  // a bad interval stops the node here, with its name, not each run in its constructor
        return config;
    }

    /// <summary>hocon/journal.conf: the serializer (and its bindings) of everything persisted, and the snapshot interval.
    /// Any actor system that receives a persisted type (the admin console receives SearchCreated) needs it.</summary>
    public static Config FormatConfig() => ConfigurationFactory.ParseString(File.ReadAllText(HoconFile("journal.conf")));

    /// <summary>Opens (and closes) one connection, so that a node refuses to start on a journal it cannot reach.</summary>
    public void CheckConnects()
    {
        if (ProviderName == SqliteProvider)
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            return;
        }
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 5, Pooling = false };
        try
        {
            using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
            connection.Open();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or ArgumentException)
        {
            throw new NasException($"the journal (PostgreSQL database '{builder.Database}' at {builder.Host}:{builder.Port}, user '{builder.Username}') " +
                                   $"does not connect: {e.Message}; start PostgreSQL there or fix --journal (postgres://USER:PASSWORD@HOST:PORT/DATABASE)");
        }
    }

    /// <summary>Parses <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE</c> into a PostgreSQL journal.</summary>
    public static JournalSettings FromPostgresUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql") || uri.AbsolutePath.Length < 2)
            throw new NasException($"journal '{url}' is not a PostgreSQL URL: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE");
        var user = uri.UserInfo.Split(':', 2);
        return Postgres($"Host={uri.Host};Port={(uri.Port > 0 ? uri.Port : 5432)};Database={Uri.UnescapeDataString(uri.AbsolutePath[1..])};" +
                        $"Username={Uri.UnescapeDataString(user[0])}" + (user.Length > 1 ? $";Password={Uri.UnescapeDataString(user[1])}" : ""));
    }

    /// <summary>The hocon/ folder shipped beside the program (copied into every build output).</summary>
    public static string HoconFile(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "hocon", name);
        return File.Exists(path) ? path : throw new NasException($"configuration file {path} is missing: rebuild (dotnet build copies hocon/ beside the program)");
    }

    static string ConfigQuote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
