using System.CommandLine;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Commands;
using NasActors.Search;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench journal</c>: how fast a run's events persist to SQLite, and how long a run with that many
/// events takes to recover (replaying every event through the run's state, evolution included), from a full replay
/// against a snapshot and its tail, alternating in one process.</summary>
internal static class JournalBench
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "events in the run's journal", DefaultValueFactory = _ => 10_000 };
        var tail = new Option<int>("--tail")
        {
            Description = "events after the snapshot (a run snapshotting every 200 events replays 0-199 of them, 100 on average)",
            DefaultValueFactory = _ => 100,
        };
        var rounds = new Option<int>("--rounds") { Description = "alternating rounds (full replay, then snapshot + tail)", DefaultValueFactory = _ => 5 };
        var journalUrl = SearchCommands.Journal();
        var command = new Command("journal", "events/s persisted (SQLite, or PostgreSQL with --journal), and recovery of a run with N events: " +
                                             "full replay against snapshot + tail")
        {
            events, tail, rounds, journalUrl,
        };
        command.SetAction(async (parsed, _) =>
        {
            var count = CommonOptions.Positive("--events", parsed.GetValue(events));
            var tailCount = parsed.GetValue(tail);
            if (tailCount < 0 || tailCount >= count) throw new NasException($"--tail must be at least 0 and below --events ({count}), got {tailCount}");
            var roundCount = CommonOptions.Positive("--rounds", parsed.GetValue(rounds));
            var journal = Directory.CreateTempSubdirectory("nas-bench-journal-");
            try
            {
                var settings = parsed.GetValue(journalUrl) is { } url ? JournalSettings.FromPostgresUrl(url)
                                                                      : JournalSettings.Sqlite(Path.Combine(journal.FullName, "journal.db"));
                // Fresh search ids per run: a PostgreSQL journal outlives the benchmark.
                var fullId = $"bench-{Guid.NewGuid():N}";
                var snapshotId = $"bench-{Guid.NewGuid():N}";
                var history = RunHistory(count, fullId);
                var snapshotAt = history.Count - tailCount;
                using var system = ActorSystem.Create("bench-journal", Config(settings));
                try
                {
                    var (written, writeSeconds, _) = await Write(system, fullId, history, snapshotAt: null);
                    Console.WriteLine($"persisted {written:N0} events of one search run in {writeSeconds:0.00} s: {written / writeSeconds:N0} events/s " +
                                      $"({settings.ProviderName}, batches of 100)");
                    var snapshotBytes = await Write(system, snapshotId, RunHistory(count, snapshotId), snapshotAt);
                    Console.WriteLine($"the same run again, snapshotted at event {snapshotAt:N0} ({snapshotBytes.Bytes / 1e6:0.00} MB) and the events up to it deleted, " +
                                      $"as a run does; its tail: {tailCount:N0} events");

                    // The first recovery in a process sets the SQL plugin up (about a second): once each, untimed.
                    var full = await Recover(system, fullId);
                    var fromSnapshot = await Recover(system, snapshotId);
                    if (full.Outcome != fromSnapshot.Outcome)
                        throw new InvalidOperationException($"the run recovered from its snapshot differs from the full replay: {fromSnapshot.Outcome} against {full.Outcome}");
                    Console.WriteLine($"both recover to the same state: {full.Outcome}");
                    var fullSeconds = new List<double>();
                    var snapshotSeconds = new List<double>();
                    for (var round = 1; round <= roundCount; round++)
                    {
                        fullSeconds.Add((await Recover(system, fullId)).Seconds);
                        snapshotSeconds.Add((await Recover(system, snapshotId)).Seconds);
                        Console.WriteLine($"round {round}: full replay of {history.Count:N0} events {fullSeconds[^1]:0.000} s, " +
                                          $"snapshot + {tailCount:N0} events {snapshotSeconds[^1]:0.000} s");
                    }
                    var (fullMedian, snapshotMedian) = (Median(fullSeconds), Median(snapshotSeconds));
                    Console.WriteLine($"recovery of a {history.Count:N0}-event run (median of {roundCount}, warm, same process): full replay {fullMedian:0.000} s, " +
                                      $"from a snapshot {snapshotMedian:0.000} s: {fullMedian / snapshotMedian:0.0}x faster");
                    Console.WriteLine("goal: recovery under 2 s");
                }
                finally
                {
                    await system.Terminate();
                }
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

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
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
        Add(new SearchStarted(searchId, spec, 1, new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero)));
        Add(new CheckpointCommitted("a", 600, "/checkpoints/a.ckpt", new string('0', 64)));
        Add(new StrategyTrained("a", 600, new string('1', 64)));
        while (history.Count + 2 <= count && state.ProposeEvaluation("a") is { } request)
        {
            Add(request);
            // Stable across runs (string.GetHashCode is not): both runs of the benchmark recover to the same outcome.
            Add(new EvaluationCompleted(request.EvaluationId, request.Architecture.Sum(c => c * 31 % 97) % 1000 / 1000.0));
        }
        if (history.Count < count) Add(new SearchPaused(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero)));  // exactly N events
        return history;
    }

    static Config Config(JournalSettings settings) =>
        ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(settings.ToConfig());

    /// <summary>Persists the run's history in batches of 100 (timed); with <paramref name="snapshotAt"/>, snapshots the
    /// state after that event and deletes the events up to it, as <see cref="SearchRun"/> does.</summary>
    static async Task<(int Written, double Seconds, int Bytes)> Write(ActorSystem system, string searchId, List<ISearchEvent> history, int? snapshotAt)
    {
        var writer = system.ActorOf(Props.Create(() => new EventWriter(SearchRun.PersistenceIdOf(searchId))));
        await writer.Ask<int>(new List<ISearchEvent>(), TimeSpan.FromMinutes(1));  // journal set up before timing
        var before = history.Take(snapshotAt ?? history.Count).ToList();
        var clock = Stopwatch.StartNew();
        var written = 0;
        foreach (var batch in before.Chunk(100)) written += await writer.Ask<int>(batch.ToList(), TimeSpan.FromMinutes(1));
        var seconds = clock.Elapsed.TotalSeconds;
        var bytes = 0;
        if (snapshotAt is not null)
        {
            var state = new SearchRunState();
            foreach (var @event in before) state.Apply(@event);
            var snapshot = state.ToSnapshot();
            bytes = JournalFormats.Encode(snapshot).Length;
            await writer.Ask<EventWriter.Snapshotted>(snapshot, TimeSpan.FromMinutes(1));
            foreach (var batch in history.Skip(before.Count).Chunk(100)) written += await writer.Ask<int>(batch.ToList(), TimeSpan.FromMinutes(1));
        }
        await writer.GracefulStop(TimeSpan.FromMinutes(1));
        return (written, seconds, bytes);
    }

    /// <summary>Starts the run (inactive: it trains and evaluates nothing) and times its recovery until it answers.</summary>
    static async Task<(string Outcome, double Seconds)> Recover(ActorSystem system, string searchId)
    {
        var clock = Stopwatch.StartNew();
        var run = system.ActorOf(SearchRun.Props(searchId, ActorRefs.Nobody, ActorRefs.Nobody, active: false));
        var status = await run.Ask<SearchStatus>(new GetSearchStatus(searchId), TimeSpan.FromMinutes(1));
        var seconds = clock.Elapsed.TotalSeconds;
        await run.GracefulStop(TimeSpan.FromMinutes(1));
        var strategy = status.Strategies.Single();
        return ($"{strategy.EvaluationsCompleted:N0} evaluations completed, best {strategy.BestArchitecture} at {strategy.BestAccuracy:0.000}", seconds);
    }

    /// <summary>Persists each list of events it is sent and answers with how many it wrote; a snapshot it is sent, it
    /// saves, then deletes the events it holds, and answers <see cref="Snapshotted"/>.</summary>
    sealed class EventWriter : ReceivePersistentActor
    {
        public sealed record Snapshotted(long SequenceNr);

        IActorRef _snapshotRequester = ActorRefs.Nobody;

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
            Command<SearchRunSnapshot>(snapshot =>
            {
                _snapshotRequester = Sender;
                SaveSnapshot(snapshot);
            });
            Command<SaveSnapshotSuccess>(saved => DeleteMessages(saved.Metadata.SequenceNr));
            Command<SaveSnapshotFailure>(failed => _snapshotRequester.Tell(new Status.Failure(failed.Cause)));
            Command<DeleteMessagesSuccess>(deleted => _snapshotRequester.Tell(new Snapshotted(deleted.ToSequenceNr)));
            Command<DeleteMessagesFailure>(failed => _snapshotRequester.Tell(new Status.Failure(failed.Cause)));
        }

        public override string PersistenceId { get; }
    }
}
