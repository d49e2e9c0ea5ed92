using Akka.Configuration;
using Akka.TestKit;
using NasActors.Actors.Persistence;

namespace NasActors.Actors.Tests.Runs;

/// <summary>A TestKit on a real SQLite journal, with probes for the training and evaluation actors a run talks to.
/// Each test gets a journal file of its own, deleted afterwards.</summary>
public abstract class JournalTestKit : Akka.TestKit.Xunit2.TestKit
{
    readonly string _journalFile;

    protected JournalTestKit() : this(Path.Combine(Path.GetTempPath(), $"nasactors-journal-{Guid.NewGuid():N}.db")) { }

    // Dilated timeouts: the first recovery in a process sets the SQL plugin up (about a second), more on a busy machine.
    JournalTestKit(string journalFile) : base(ConfigurationFactory.ParseString("akka.test.timefactor = 5")
                                                  .WithFallback(JournalSettings.Sqlite(journalFile).ToConfig()))
    {
        _journalFile = journalFile;
        Training = CreateTestProbe();
        Evaluations = CreateTestProbe();
    }

    protected TestProbe Training { get; }
    protected TestProbe Evaluations { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _journalFile, _journalFile + "-wal", _journalFile + "-shm" })
            if (File.Exists(file)) File.Delete(file);
    }
}
