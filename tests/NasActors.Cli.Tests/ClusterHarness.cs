using System.Text.Json;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Cluster;
using NasActors.Search;
using Npgsql;

namespace NasActors.Cli.Tests;

/// <summary>Cluster tests run alone: their nodes' failure detectors must not starve behind other tests' training.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}

/// <summary>A real cluster for one test: PostgreSQL and nas node processes on loopback ports of their own, started
/// by the same code as <c>nas cluster up</c>, administered through a ClusterClient as the console does.</summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    static readonly TimeSpan AskPatience = TimeSpan.FromSeconds(10);

    readonly TempDirectory _temp = new();
    ClusterAdminClient? _admin;

    ClusterHarness(int trainers)
    {
        Trainers = trainers;
        var ports = LoopbackPorts.FreeBlock(trainers + 2);
        Cluster = new LocalCluster(_temp.File("cluster"), ports[0], ports[^1]);
    }

    public LocalCluster Cluster { get; }

    public int Trainers { get; }

    public TempDirectory Temp => _temp;

    public string Contact => Cluster.Contact;

    public string Token => File.ReadAllText(Path.Combine(Cluster.StateDirectory, "admin-token")).Trim();

    /// <summary>What a console of this cluster passes: <c>--connect</c> and the cluster's <c>--certificate</c>.</summary>
    public string[] Connection => ["--connect", Contact, "--certificate", Cluster.CertificatePath];

    static string Program => Path.Combine(AppContext.BaseDirectory, "nas.dll");

    public static async Task<ClusterHarness> StartAsync(int trainers = 2)
    {
        var harness = new ClusterHarness(trainers);
        try
        {
            await harness.Cluster.UpAsync(trainers, Program, TextWriter.Null);
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
        return harness;
    }

    /// <summary>The console's way in; made again after the node it went through was restarted.</summary>
    public async Task<ClusterAdminClient> AdminAsync()
    {
        _admin ??= await Cluster.ConnectAdminAsync(AskPatience);
        return _admin;
    }

    public async Task ReconnectAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
        _admin = null;
        await AdminAsync();
    }

    public async Task<string> StartSearchAsync(string specFile)
    {
        var spec = SearchSpec.Load(specFile);
        var created = await (await AdminAsync()).AskAsync<SearchCreated>(new CreateSearch(spec.Text, spec.Training.Threads));
        return created.SearchId;
    }

    /// <summary>Polls the search's status until <paramref name="until"/> holds; an unanswered poll (a node or the journal
    /// is down) is tried again.</summary>
    public async Task<SearchStatus> WaitForAsync(string id, Func<SearchStatus, bool> until, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        SearchStatus? last = null;
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await (await AdminAsync()).AskAsync<SearchStatus>(new GetSearchStatus(id));
                if (until(last)) return last;
            }
            catch (NasException e)
            {
                lastError = e.Message;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"search {id} did not reach '{what}' within {timeout.TotalSeconds:0} s; last status: " +
                    (last is null ? "none" : string.Join("; ", last.Strategies.Select(s => $"{s.Strategy} step {s.CheckpointStep} trained {s.Trained} evaluations {s.EvaluationsCompleted} failed {s.FailureReason}"))) +
                    $" ({last?.Phase}); last error: {lastError ?? "none"}\n{Logs()}");
        return last!;
    }

    public Task<SearchStatus> WaitForCompletionAsync(string id) =>
        WaitForAsync(id, s => s.Phase == Actors.Runs.RunPhase.Completed, TimeSpan.FromSeconds(240), "completed");

    public async Task<NodeList> NodesAsync() => await (await AdminAsync()).AskAsync<NodeList>(ListNodes.Instance);

    /// <summary>SIGKILLs a node (no shutdown, no leaving) and waits until the process is gone.</summary>
    public async Task KillAsync(string node)
    {
        var pid = Cluster.PidOf(node);
        LocalCluster.Kill(pid, LocalCluster.Signal.Kill);
        for (var i = 0; i < 100 && LocalCluster.IsAlive(pid); i++) await Task.Delay(50);
        Assert.False(LocalCluster.IsAlive(pid), $"{node} (pid {pid}) survived SIGKILL");
    }

    /// <summary>The cluster node that listens at <paramref name="address"/> (akka.ssl.tcp://nas@127.0.0.1:PORT).</summary>
    public string NodeAt(string address) => LocalCluster.NodeName(Akka.Actor.Address.Parse(address).Port!.Value - Cluster.BasePort);

    public Task RestartAsync(int index) => Cluster.StartNodeAsync(index, Trainers, Program);

    /// <summary>The whole log of one node (coordinator, trainer-1, ...).</summary>
    public string LogOf(string node) => File.ReadAllText(Path.Combine(Cluster.StateDirectory, "logs", node + ".log"));

    /// <summary>Every node's log, for a failure message.</summary>
    public string Logs()
    {
        var folder = Path.Combine(Cluster.StateDirectory, "logs");
        if (!Directory.Exists(folder)) return "";
        return string.Join('\n', Directory.GetFiles(folder).Order().Select(f =>
        {
            var lines = File.ReadAllLines(f).Where(l => !l.StartsWith("   at ", StringComparison.Ordinal)).TakeLast(25);
            return $"--- {Path.GetFileName(f)} ---\n{string.Join('\n', lines)}";
        }));
    }

    /// <summary>Reads the search's journal from PostgreSQL and checks it: sequence numbers without gaps, checkpoints
    /// committed once each and in order, every trainer job resumed from the newest committed checkpoint, every
    /// requested evaluation answered by exactly one result or one failure, no answer without a request, and the run
    /// completed once.</summary>
    public async Task<JournalAudit> AuditJournalAsync(string searchId)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Cluster.Postgres.Port, Username = LocalPostgres.User, Password = Cluster.Postgres.Password,
            Database = LocalPostgres.Database, Pooling = false,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = @id ORDER BY sequence_number", connection);
        query.Parameters.AddWithValue("id", $"search-{searchId}");
        var events = new List<(long Sequence, string Type, JsonElement Body)>();
        await using (var reader = await query.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var json = JsonDocument.Parse((byte[])reader[1]).RootElement.Clone();
                var type = NasActors.Actors.Persistence.JournalFormats.Parse(reader.GetString(2)).Format.Type.Name;
                events.Add((reader.GetInt64(0), type, json));
            }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var requested = events.Where(e => e.Type == "EvaluationRequested").Select(e => e.Body.GetProperty("EvaluationId").GetString()!).ToArray();
        Assert.Equal(requested.Length, requested.Distinct().Count());
        var answers = events.Where(e => e.Type is "EvaluationCompleted" or "EvaluationFailed")
                            .GroupBy(e => e.Body.GetProperty("EvaluationId").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var id in requested)
            Assert.True(answers.TryGetValue(id, out var count) && count == 1, $"evaluation {id}: {(answers.GetValueOrDefault(id))} answers in the journal, expected exactly 1");
        Assert.Empty(answers.Keys.Except(requested));
        var checkpoints = events.Where(e => e.Type is "CheckpointCommitted" or "CheckpointRejected").ToArray();
        Assert.NotEmpty(checkpoints);
        var resumes = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        foreach (var strategy in checkpoints.GroupBy(e => e.Body.GetProperty("Strategy").GetString()!))
            resumes[strategy.Key] = AuditCheckpoints(strategy.Key, strategy.Select(e => (e.Type, e.Body)));
        Assert.Single(events, e => e.Type == "SearchCompleted");
        return new JournalAudit(events.Count, requested.Length, events.Count(e => e.Type == "EvaluationFailed"), resumes);
    }

    /// <summary>One strategy's checkpoints in journal order: each committed after the newest usable one (once each, in
    /// order), and each trainer job's first checkpoint resumed from the newest checkpoint committed and not rejected
    /// before it. The run enforces the order itself; the resume point it cannot see: a job that started again from step
    /// 0 (or from an older checkpoint) after a kill would train steps again, and every commit would still be in order.
    /// Returns the steps the strategy's jobs after its first resumed from.</summary>
    static IReadOnlyList<long> AuditCheckpoints(string strategy, IEnumerable<(string Type, JsonElement Body)> checkpoints)
    {
        var usable = new List<long>();
        var resumes = new List<long>();
        long? job = null;
        foreach (var (type, body) in checkpoints)
        {
            var step = body.GetProperty("Step").GetInt64();
            if (type == "CheckpointRejected")
            {
                usable.Remove(step);
                continue;
            }
            var newest = usable.Count == 0 ? 0 : usable[^1];
            Assert.True(usable.Count == 0 || step > newest, $"{strategy}: checkpoint {step} committed after {newest} (out of order or twice)");
            var resumedFrom = body.GetProperty("ResumedFrom").GetInt64();
            if (resumedFrom != job)
            {
                // A job's first commit (a later commit of the same job names the same step).
                Assert.True(resumedFrom == newest, $"{strategy}: a trainer job resumed from step {resumedFrom}, but the newest committed checkpoint was step {newest}");
                if (job is not null) resumes.Add(resumedFrom);
                job = resumedFrom;
            }
            usable.Add(step);
        }
        return resumes;
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
        try
        {
            Cluster.Down(TextWriter.Null);
        }
        finally
        {
            _temp.Dispose();
        }
    }
}

/// <summary>What a search's journal holds; <paramref name="Resumes"/>: per strategy, the checkpoint steps its trainer jobs
/// after the first resumed from (each checked to be the newest committed one at the time).</summary>
public sealed record JournalAudit(int Events, int EvaluationsRequested, int EvaluationsFailed, IReadOnlyDictionary<string, IReadOnlyList<long>> Resumes)
{
    public IReadOnlyList<long> ResumesOf(string strategy) => Resumes.GetValueOrDefault(strategy) ?? [];
}
