using System.Diagnostics;
using System.Text.Json;

namespace NasActors.Cli.Tests;

/// <summary>A node killed with SIGKILL and started again ends a search exactly as a node never interrupted: the same
/// final supernet weights, the same sampled path sequence (a digest chained over every step's paths) and the same
/// evaluations (architectures, accuracies, order of proposals).</summary>
public sealed class CrashResumeTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string Spec() => File.ReadAllText(TinySearch.Write(_temp)).Replace("steps = 10", "steps = 400").Replace("checkpoint-every = 5", "checkpoint-every = 100")
                                                              .Replace("population = 2, sample-size = 1, budget = 4", "population = 4, sample-size = 2, budget = 30");

    async Task<string> StartSearch(string state, string spec)
    {
        var file = _temp.File($"{Path.GetFileName(state)}.conf");
        await File.WriteAllTextAsync(file, spec);
        var run = await NasProcess.RunAsync(["search", "start", "--spec", file, "--state-dir", state]);
        NasAssert.Succeeded(run);
        return run.StdoutLines.Single();
    }

    /// <summary>What must be identical: each strategy's final weights and path sequence, and, per strategy in journal
    /// order (sequence numbers), every evaluation it requested with its architecture and accuracy. Strategies evaluate
    /// side by side, so how their events interleave is timing, not outcome. Both runs must have succeeded: two identical
    /// failures would otherwise compare equal.</summary>
    async Task<string> Outcome(string state, string id)
    {
        var export = _temp.File("export.json");
        NasAssert.Succeeded(await NasProcess.RunAsync(["search", "export", id, "--out", export, "--state-dir", state]));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(export));
        var root = json.RootElement;
        Assert.Equal("Completed", root.GetProperty("Status").GetProperty("Phase").GetString());
        var strategies = root.GetProperty("Status").GetProperty("Strategies").EnumerateArray().ToArray();
        Assert.Equal(["a", "b"], strategies.Select(s => s.GetProperty("Strategy").GetString()).Order());
        foreach (var strategy in strategies)
        {
            var name = strategy.GetProperty("Strategy").GetString();
            Assert.True(strategy.GetProperty("FailureReason").ValueKind == JsonValueKind.Null, $"{name} failed: {strategy.GetProperty("FailureReason")}");
            Assert.True(strategy.GetProperty("Trained").GetBoolean(), $"{name} is not trained");
            Assert.Matches("^[0-9a-f]{64}$", strategy.GetProperty("WeightsSha256").GetString());
            Assert.Equal(0, strategy.GetProperty("EvaluationsFailed").GetInt32());
        }
        var weights = strategies.Select(s => $"{s.GetProperty("Strategy").GetString()}={s.GetProperty("WeightsSha256").GetString()} paths={s.GetProperty("PathsDigest").GetString()}");
        var evaluations = JournaledEvaluations(state, id);
        // Each strategy's whole budget and a probe of each of the three ground-truth architectures.
        Assert.Equal((2 * 30, 2 * 3), (evaluations.Count(e => !e.Probe), evaluations.Count(e => e.Probe)));
        return string.Join('\n', weights.Order(StringComparer.Ordinal).Concat(evaluations
            .GroupBy(e => e.Strategy).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => g.Select(e => $"{e.Strategy} {e.EvaluationId} {e.Architecture} {e.Accuracy:R}"))));
    }

    /// <summary>The search's evaluation requests read from its SQLite journal in sequence-number order, each with the one
    /// result the journal holds for it (asserted: exactly one, a completion).</summary>
    static List<(string Strategy, string EvaluationId, string Architecture, bool Probe, double Accuracy)> JournaledEvaluations(string state, string id)
    {
        var requests = new List<(string Strategy, string EvaluationId, string Architecture, bool Probe)>();
        var results = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(state, "journal.db"), Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false };
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(builder.ConnectionString))
        {
            connection.Open();
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = $id ORDER BY sequence_number";
            query.Parameters.AddWithValue("$id", $"search-{id}");
            using var reader = query.ExecuteReader();
            long previous = 0;
            while (reader.Read())
            {
                var sequence = reader.GetInt64(0);
                Assert.Equal(previous + 1, sequence);
                previous = sequence;
                using var json = JsonDocument.Parse((byte[])reader[1]);
                var body = json.RootElement;
                var type = NasActors.Actors.Persistence.JournalFormats.Parse(reader.GetString(2)).Format.Type.Name;
                if (type == "EvaluationRequested")
                    requests.Add((body.GetProperty("Strategy").GetString()!, body.GetProperty("EvaluationId").GetString()!, body.GetProperty("Architecture").GetString()!,
                                  body.TryGetProperty("Probe", out var probe) && probe.GetBoolean()));
                else if (type == "EvaluationCompleted")
                    ResultsOf(results, body.GetProperty("EvaluationId").GetString()!).Add(body.GetProperty("Accuracy").GetDouble());
                else Assert.NotEqual("EvaluationFailed", type);
            }
        }
        Assert.Equal(requests.Count, requests.Select(r => r.EvaluationId).Distinct().Count());
        Assert.Equal(requests.Select(r => r.EvaluationId).Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
        return requests.Select(r =>
        {
            var answers = results[r.EvaluationId];
            Assert.True(answers.Count == 1, $"evaluation {r.EvaluationId}: {answers.Count} results in the journal, expected exactly 1");
            return (r.Strategy, r.EvaluationId, r.Architecture, r.Probe, answers[0]);
        }).ToList();
    }

    static List<double> ResultsOf(Dictionary<string, List<double>> results, string key)
    {
        if (!results.TryGetValue(key, out var list)) results[key] = list = [];
        return list;
    }

    async Task RunNodeUntilIdle(string state)
    {
        var node = await NasProcess.RunAsync(TimeSpan.FromSeconds(120), ["node", "--state-dir", state, "--until-idle", "--poll", "0.3"]);
        NasAssert.Succeeded(node);
    }

    /// <summary>Starts a node, waits for a progress line containing <paramref name="killAfter"/>, then SIGKILLs it.</summary>
    async Task KillNodeAfter(string state, string killAfter)
    {
        using var node = Process.Start(NasProcess.StartInfo(["node", "--state-dir", state, "--poll", "0.1"]))!;
        try
        {
            await NasProcess.WaitForLineAsync(node, killAfter);
        }
        finally
        {
            node.Kill(entireProcessTree: true);  // SIGKILL: no shutdown, no flush
            await node.WaitForExitAsync();
        }
    }

    [Theory]
    // Kill points are read from the node's progress lines, polled every 0.1 s: patterns accept any checkpoint in range.
    [InlineData("step [12]00/400")]               // during training, after the first or second checkpoint
    [InlineData("step 300/400")]                  // late in training
    [InlineData(@"evolution ([1-9]|1\d|2[0-5])/30")]  // during evaluation
    public async Task A_search_killed_and_resumed_should_end_exactly_as_one_never_interrupted(string killAfter)
    {
        var spec = Spec();
        var uninterrupted = _temp.File("uninterrupted");
        var uninterruptedId = await StartSearch(uninterrupted, spec);
        await RunNodeUntilIdle(uninterrupted);

        var crashed = _temp.File("crashed");
        var crashedId = await StartSearch(crashed, spec);
        await KillNodeAfter(crashed, killAfter);
        await RunNodeUntilIdle(crashed);

        Assert.Equal(await Outcome(uninterrupted, uninterruptedId), await Outcome(crashed, crashedId));
    }
}
