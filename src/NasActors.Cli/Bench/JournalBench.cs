using System.CommandLine;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Commands;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench journal</c>: how fast a run's events persist to SQLite, and how long a run with that many
/// events takes to recover (replaying every event through the run's state, evolution included).</summary>
internal static class JournalBench
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "events in the run's journal", DefaultValueFactory = _ => 10_000 };
        var journalUrl = SearchCommands.Journal();
        var command = new Command("journal", "events/s persisted (SQLite, or PostgreSQL with --journal) and recovery time of a run with N events") { events, journalUrl };
        command.SetAction(async (parsed, _) =>
        {
            var count = CommonOptions.Positive("--events", parsed.GetValue(events));
            var journal = Directory.CreateTempSubdirectory("nas-bench-journal-");
            try
            {
                var settings = parsed.GetValue(journalUrl) is { } url ? JournalSettings.FromPostgresUrl(url)
                                                                      : JournalSettings.Sqlite(Path.Combine(journal.FullName, "journal.db"));
                // A fresh search id per run: a PostgreSQL journal outlives the benchmark.
                var searchId = $"bench-{Guid.NewGuid():N}";
                var history = RunHistory(count, searchId);
                var (written, writeSeconds) = await Write(settings, history, searchId);
                Console.WriteLine($"persisted {written:N0} events of one search run in {writeSeconds:0.00} s: {written / writeSeconds:N0} events/s " +
                                  $"({settings.ProviderName}, batches of 100)");
                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    var (recovered, seconds) = await Recover(settings, searchId);
                    Console.WriteLine($"recovery {attempt}: the run replayed its {written:N0} events and answered in {seconds:0.00} s " +
                                      $"({recovered}){(attempt == 1 ? " (includes the SQL plugin's set-up in this process)" : "")}");
                }
                Console.WriteLine("goal: recovery under 2 s");
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                journal.Delete(recursive: true);
            }
            return 0;
        });
        return command;
    }

    /// <summary>A realistic journal: a started run, a trained strategy, then evaluations requested and completed in
    /// turn, exactly as the run's own state proposes them (recovery checks that).</summary>
    static List<ISearchEvent> RunHistory(int count, string searchId)
    {
        var evaluations = Math.Max(2, count / 2);
        var spec = $$"""
            search {
              name = bench
              strategies { a { sampler = uniform, seed = 1 } }
              evolution { population = 20, sample-size = 5, budget = {{evaluations}} }
            }
            """;
        var state = new SearchRunState();
        var history = new List<ISearchEvent>();
        void Add(ISearchEvent e)
        {
            state.Apply(e);
            history.Add(e);
        }
        Add(new SearchStarted(searchId, spec, 1, DateTimeOffset.UtcNow));
        Add(new CheckpointCommitted("a", 600, "/checkpoints/a.ckpt", new string('0', 64)));
        Add(new StrategyTrained("a", 600, new string('1', 64)));
        while (history.Count + 2 <= count && state.ProposeEvaluation("a") is { } request)
        {
            Add(request);
            Add(new EvaluationCompleted(request.EvaluationId, (request.Architecture.GetHashCode() & 0xffff) / 65536.0));
        }
        return history;
    }

    static Config Config(JournalSettings settings) =>
        ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(settings.ToConfig());

    static async Task<(int Written, double Seconds)> Write(JournalSettings settings, List<ISearchEvent> history, string searchId)
    {
        using var system = ActorSystem.Create("bench-write", Config(settings));
        var writer = system.ActorOf(Props.Create(() => new EventWriter(SearchRun.PersistenceIdOf(searchId))));
        await writer.Ask<int>(new List<ISearchEvent> { }, TimeSpan.FromMinutes(1));  // journal set up before timing
        var clock = Stopwatch.StartNew();
        var written = 0;
        foreach (var batch in history.Chunk(100)) written += await writer.Ask<int>(batch.ToList(), TimeSpan.FromMinutes(1));
        var seconds = clock.Elapsed.TotalSeconds;
        await system.Terminate();
        return (written, seconds);
    }

    static async Task<(string Status, double Seconds)> Recover(JournalSettings settings, string searchId)
    {
        using var system = ActorSystem.Create("bench-recover", Config(settings));
        var clock = Stopwatch.StartNew();
        var run = system.ActorOf(SearchRun.Props(searchId, ActorRefs.Nobody, ActorRefs.Nobody, active: false));
        var status = await run.Ask<SearchStatus>(new GetSearchStatus(searchId), TimeSpan.FromMinutes(1));
        var seconds = clock.Elapsed.TotalSeconds;
        await system.Terminate();
        var strategy = status.Strategies.Single();
        return ($"{strategy.EvaluationsCompleted:N0} evaluations completed", seconds);
    }

    /// <summary>Persists each list of events it is sent and answers with how many it wrote.</summary>
    sealed class EventWriter : ReceivePersistentActor
    {
        public EventWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<object>(_ => { });
            Command<List<ISearchEvent>>(events =>
            {
                var sender = Sender;
                if (events.Count == 0)
                {
                    sender.Tell(0);
                    return;
                }
                var remaining = events.Count;
                PersistAll(events, _ => { if (--remaining == 0) sender.Tell(events.Count); });
            });
        }

        public override string PersistenceId { get; }
    }
}
