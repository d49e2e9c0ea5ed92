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

    /// <summary>Akka.Persistence.Sql's journal and snapshot store on this database, over the plugin's defaults
    /// (which Akka does not load by itself: without them the first persistent actor dies in PreStart).</summary>
    public Config ToConfig()
    {
        var connection = ConfigQuote(ConnectionString);
        var provider = ConfigQuote(ProviderName);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = {{connection}}
                  provider-name = {{provider}}
                  auto-initialize = on
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{connection}}
                  provider-name = {{provider}}
                  auto-initialize = on
                }
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    static string ConfigQuote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
