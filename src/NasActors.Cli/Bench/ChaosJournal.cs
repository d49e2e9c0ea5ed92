using System.Data.Common;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Cli.Bench;

/// <summary>A search's journal rows as a chaos run saw them, read while no node runs on it (SQLite) or at any time
/// (PostgreSQL) and kept by sequence number: a snapshot deletes the events before it, and rows read before that deletion
/// still count. What it answers: whether any evaluation was requested twice or answered more than once.</summary>
internal sealed class ChaosJournal(JournalSettings journal, string searchId)
{
    readonly SortedDictionary<long, ISearchEvent> _events = new();

    public int Events => _events.Count;

    /// <summary>Reads the journal's rows of the search (decoded with the journal's own formats) and keeps those not seen yet.</summary>
    public async Task ReadAsync()
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = @id ORDER BY sequence_number";
        var id = query.CreateParameter();
        id.ParameterName = "@id";
        id.Value = SearchRun.PersistenceIdOf(searchId);
        query.Parameters.Add(id);
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var sequence = reader.GetInt64(0);
            if (_events.ContainsKey(sequence)) continue;
            _events[sequence] = (ISearchEvent)JournalFormats.Decode((byte[])reader[1], reader.GetString(2));
        }
    }

    DbConnection Open()
    {
        if (journal.ProviderName == JournalSettings.SqliteProvider)
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(journal.ConnectionString).DataSource;
            // Not read-only: after a SIGKILL the file may have a hot rollback journal, which only a writer can roll back
            // (as the next node would). Only ever read while no node runs on it.
            var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = file, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite, Pooling = false };
            return new Microsoft.Data.Sqlite.SqliteConnection(builder.ConnectionString);
        }
        return new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(journal.ConnectionString) { Pooling = false }.ConnectionString);
    }

    /// <summary>Evaluation ids requested in more than one event.</summary>
    public IReadOnlyList<string> RequestedTwice() =>
        _events.Values.OfType<EvaluationRequested>().GroupBy(r => r.EvaluationId).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();

    /// <summary>Per evaluation id answered more than once (completed or failed), how many answers the journal holds.</summary>
    public IReadOnlyDictionary<string, int> AnsweredTwice() =>
        _events.Values.Select(e => e switch { EvaluationCompleted c => c.EvaluationId, EvaluationFailed f => f.EvaluationId, _ => null })
            .OfType<string>().GroupBy(id => id).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count());
}
