using System.Text.Json;
using Microsoft.Data.Sqlite;
using NasActors.Actors.Persistence;

namespace NasActors.Cli.Tests;

/// <summary>The committed golden journals (see <see cref="GoldenJournals"/>) recover, in a fresh process of this
/// version, to the status, leaderboard and export committed beside them: journals written by earlier versions stay
/// readable after every change.</summary>
public sealed class GoldenJournalTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Cases() => new(GoldenJournals.Cases());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_golden_journal_should_recover_the_status_leaderboard_and_export_committed_beside_it(string name)
    {
        var folder = Path.Combine(GoldenJournals.Folder, name);
        var recovered = await GoldenJournals.RecoverAsync(folder, _temp);
        foreach (var (file, text) in recovered)
            Assert.Equal(GoldenJournals.Normalize(await File.ReadAllTextAsync(Path.Combine(folder, file))), text);
    }

    [Fact]
    public void The_golden_journals_should_hold_a_finished_and_an_interrupted_search_of_this_format_and_of_the_old_one_in_under_1_MB()
    {
        var cases = GoldenJournals.Cases().ToArray();
        foreach (var prefix in new[] { "legacy", "v1" })
            Assert.Superset(new HashSet<string> { $"{prefix}-{GoldenJournals.Finished}", $"{prefix}-{GoldenJournals.Interrupted}" }, cases.ToHashSet());
        var bytes = Directory.GetFiles(GoldenJournals.Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes < 1 << 20, $"the golden journals take {bytes:N0} bytes; keep them under 1 MB");

        foreach (var name in cases)
        {
            using var export = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenJournals.Folder, name, "export.json")));
            var status = export.RootElement.GetProperty("Status");
            var strategies = status.GetProperty("Strategies").EnumerateArray().ToArray();
            if (name.EndsWith(GoldenJournals.Finished, StringComparison.Ordinal))
            {
                Assert.Equal("Completed", status.GetProperty("Phase").GetString());
                Assert.All(strategies, s => Assert.Equal(4, s.GetProperty("EvaluationsCompleted").GetInt32()));
            }
            else
            {
                // Killed mid-training: checkpoints committed, none final, nothing evaluated.
                Assert.Equal("Running", status.GetProperty("Phase").GetString());
                Assert.All(strategies, s => Assert.False(s.GetProperty("Trained").GetBoolean()));
                Assert.Contains(strategies, s => s.GetProperty("CheckpointStep").GetInt64() > 0);
            }
        }
    }

    [Fact]
    public void The_journals_of_this_format_should_name_no_CLR_type_and_the_finished_one_should_hold_a_snapshot_and_its_tail()
    {
        foreach (var name in new[] { "v1-finished", "v1-interrupted" })
        {
            var rows = Rows(name, "SELECT identifier, manifest, message FROM journal");
            Assert.NotEmpty(rows);
            Assert.All(rows, r => Assert.Equal(JournalSerializer.Id, r.Serializer));
            Assert.All(rows, r => Assert.Matches(@"^[a-z-]+\.v[0-9]+$", r.Manifest));
            Assert.All(rows, r => Assert.DoesNotContain("NasActors", r.Payload));
            Assert.All(rows, r => Assert.DoesNotContain("$type", r.Payload));
        }
        var snapshots = Rows("v1-finished", "SELECT serializer_id, manifest, snapshot FROM snapshot");
        // Written by the version that made the case: any version of the snapshot's format (later ones read it).
        var snapshot = Assert.Single(snapshots, s => s.Manifest.StartsWith(JournalFormats.Of(typeof(SearchRunSnapshot)).Name + ".v", StringComparison.Ordinal));
        Assert.Equal(JournalSerializer.Id, snapshot.Serializer);
        Assert.DoesNotContain("NasActors", snapshot.Payload);
        // The case snapshots every 10 events: the last snapshot is left (older ones deleted), with a tail after it that
        // recovery replays; the events the earlier snapshots held are gone. (The deletion after the last snapshot may not
        // have run before the node exited: such events are never replayed, and the next snapshot deletes them.)
        var run = $"search-{File.ReadAllText(Path.Combine(GoldenJournals.Folder, "v1-finished", "id.txt")).Trim()}";
        var at = Scalar("v1-finished", $"SELECT sequence_number FROM snapshot WHERE persistence_id = '{run}'");
        Assert.True(at >= 20 && at % 10 == 0, $"snapshot at event {at}");
        Assert.True(Scalar("v1-finished", $"SELECT COUNT(*) FROM journal WHERE persistence_id = '{run}' AND sequence_number > {at}") > 0);
        Assert.True(Scalar("v1-finished", $"SELECT MIN(sequence_number) FROM journal WHERE persistence_id = '{run}'") > 10);

        var legacy = Rows("legacy-finished", "SELECT identifier, manifest, message FROM journal");
        Assert.All(legacy, r => Assert.Equal((1, ""), (r.Serializer, r.Manifest)));  // Akka's default JSON serializer, type names in the payload
    }

    /// <summary>The upgrade path: a run interrupted under the old format finishes under this one, its journal holding both
    /// (its checkpoint files are not committed: the run finds them missing, rejects them and trains from step 0).</summary>
    [Fact]
    public async Task A_run_interrupted_under_the_old_format_should_finish_under_this_one_with_both_formats_in_its_journal()
    {
        var work = Directory.CreateDirectory(_temp.File("upgrade")).FullName;
        var folder = Path.Combine(GoldenJournals.Folder, "legacy-interrupted");
        File.Copy(Path.Combine(folder, "journal.db"), Path.Combine(work, "journal.db"));
        File.Copy(Path.Combine(folder, "truth.csv"), Path.Combine(work, "truth.csv"));
        FakeFashionMnist.Write(Directory.CreateDirectory(Path.Combine(work, "data")).FullName);
        NasAssert.Succeeded(await GoldenJournals.RunAsync(work, ["node", "--state-dir", ".", "--until-idle", "--poll", "0.3"], TimeSpan.FromMinutes(2)));

        var status = await GoldenJournals.RunAsync(work, ["search", "status", File.ReadAllText(Path.Combine(folder, "id.txt")).Trim(), "--state-dir", "."]);
        NasAssert.Succeeded(status);
        Assert.Contains("completed", status.StdoutLines[0]);
        Assert.All(status.StdoutLines.Skip(1), line => Assert.Contains("trained  evolution 4/4  ground truth 3/3  corrupt checkpoints skipped 1", line));
        SqliteConnection.ClearAllPools();
        var rows = Rows(Path.Combine(work, "journal.db"), "SELECT identifier, manifest, message FROM journal");
        Assert.Equal(4, rows.Count(r => r.Serializer == 1));  // the old rows, as they were
        Assert.Contains(rows, r => r.Manifest == "checkpoint-rejected.v1");
        Assert.Contains(rows, r => r.Manifest == "search-completed.v1");
    }

    static SqliteConnection Open(string name)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.IsPathRooted(name) ? name : Path.Combine(GoldenJournals.Folder, name, "journal.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ConnectionString);
        connection.Open();
        return connection;
    }

    static List<(int Serializer, string Manifest, string Payload)> Rows(string name, string sql)
    {
        using var connection = Open(name);
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        using var reader = query.ExecuteReader();
        var rows = new List<(int, string, string)>();
        while (reader.Read()) rows.Add((reader.GetInt32(0), reader.IsDBNull(1) ? "" : reader.GetString(1), System.Text.Encoding.UTF8.GetString((byte[])reader[2])));
        return rows;
    }

    static long Scalar(string name, string sql)
    {
        using var connection = Open(name);
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        return Convert.ToInt64(query.ExecuteScalar());
    }
}
