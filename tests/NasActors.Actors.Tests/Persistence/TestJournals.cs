using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.TestKit;
using NasActors.Actors.Persistence;

namespace NasActors.Actors.Tests.Persistence;

/// <summary>The persistence TestKit's in-memory journal and snapshot store (their own HOCON, as its xunit base class would
/// load it), with the journal's serializer: for tests that inject journal faults.</summary>
public static class TestJournals
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.persistence.journal {
          plugin = "akka.persistence.journal.test"
          test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        akka.persistence.snapshot-store {
          plugin = "akka.persistence.snapshot-store.test"
          test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        """).WithFallback(JournalSettings.FormatConfig());

    /// <summary>The system's test journal, whose writes and recoveries a test intercepts.</summary>
    public static ITestJournal Of(ActorSystem system) => TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
}
