using System.Text.Json;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Dashboard;
using NasActors.Cli.Reports;

namespace NasActors.Cli.Tests;

/// <summary>Why a ranking is bad, visible: each operation's updates and weight movement in the report and on the
/// dashboard, read from a finished tiny search's final checkpoints (one node in this process).</summary>
public sealed class OperationTrainingTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string State => _temp.File("state");

    string Checkpoints => Path.Combine(State, "checkpoints");

    [Fact]
    public async Task A_finished_search_should_show_each_operations_updates_and_movement_in_the_report_and_on_the_dashboard()
    {
        var spec = SearchSpec.Load(TinySearch.Write(_temp));
        await using var node = NasNode.Start(NodeSettings.Embedded(State, trainers: 1));
        var id = (await node.AskAsync<SearchCreated>(new CreateSearch(spec.Text, spec.Training.Threads))).SearchId;
        await WaitForCompletion(node, id);
        var export = await node.AskAsync<SearchExport>(new ExportSearch(id));

        var operations = SearchReport.OperationTrainingOf(export, Checkpoints);
        Assert.Equal(["a", "b"], operations.Keys.Order());
        foreach (var training in operations.Values)
        {
            Assert.Equal(10, training.Step);
            Assert.Equal("1<-0", training.Rows[0][0].Decision);
            // Each step trains one path: an edge's options share its 10 steps, and 'none' is never on a live edge.
            Assert.All(training.Rows, row => Assert.InRange(row.Sum(c => c.Updates!.Value), 0, 10));
            Assert.All(training.Rows, row => Assert.Equal(0, row[0].Updates));
            var cells = training.Rows.SelectMany(r => r).ToArray();
            var weightless = cells.Where(c => c.Operation is "none" or "skip_connect" or "avg_pool_3x3").ToArray();
            var weighted = cells.Where(c => c.HasWeights).ToArray();
            Assert.Equal((6 * 3, 6 * 2), (weightless.Length, weighted.Length));  // every edge's three weightless and two convolutions
            Assert.All(weightless, c => Assert.Null(c.Movement));
            Assert.All(weighted, c => Assert.Equal(c.Updates > 0, c.Movement > 0));
        }

        var html = SearchReport.Html(export, SearchReport.GroundTruthOf(export.Spec, "spec"), operations);
        using (var reader = System.Xml.XmlReader.Create(new StringReader(html), new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Ignore }))
        {
            var all = System.Xml.Linq.XDocument.Load(reader).Descendants().ToArray();
            Assert.Equal(["a (step 10)", "b (step 10)"], all.Where(e => e.Name.LocalName == "caption").Select(e => e.Value));
            Assert.Equal(["a", "b"], all.Where(e => e.Name.LocalName == "h3").Select(e => e.Value));  // still one leaderboard each
            Assert.Contains("Operation training", all.Where(e => e.Name.LocalName == "h2").Select(e => e.Value));
            Assert.Equal(2, all.Count(e => e.Name.LocalName == "td" && (string?)e.Attribute("class") == "num least"));
        }
        var least = operations["a"].LeastTrained!;
        Assert.Contains($"Least-updated weighted operation of a: <code>{least.Operation}</code> on edge {System.Net.WebUtility.HtmlEncode(least.Decision)}, {least.Updates} updates", html);

        await using var dashboard = await DashboardServer.StartAsync(node, 0, "token", Checkpoints);
        using var http = new HttpClient { BaseAddress = new Uri(dashboard.Url), Timeout = TimeSpan.FromSeconds(20) };
        var shown = await DashboardOperations(http, id);
        foreach (var strategy in new[] { "a", "b" })
        {
            var table = shown.GetProperty(strategy);
            Assert.Equal(JsonValueKind.Null, table.GetProperty("Problem").ValueKind);
            Assert.Equal(10, table.GetProperty("Step").GetInt64());
            var rows = operations[strategy].Rows;
            var updates = table.GetProperty("Updates").EnumerateArray().ToArray();
            var movement = table.GetProperty("Movement").EnumerateArray().ToArray();
            for (var d = 0; d < rows.Count; d++)
                for (var o = 0; o < rows[d].Count; o++)
                {
                    Assert.Equal(rows[d][o].Updates, updates[d][o].GetInt64());
                    if (rows[d][o].Movement is { } moved) Assert.Equal(moved, movement[d][o].GetDouble(), 12);
                    else Assert.Equal(JsonValueKind.Null, movement[d][o].ValueKind);
                }
            Assert.Equal($"{operations[strategy].LeastTrained!.Operation} on {operations[strategy].LeastTrained!.Decision}", table.GetProperty("LeastTrained").GetString());
        }
        Assert.Contains("operationsBlock(run.Operations)", await http.GetStringAsync($"/runs/{id}"));
    }

    static async Task WaitForCompletion(NasNode node, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(240);
        SearchStatus status;
        do
        {
            await Task.Delay(250);
            status = await node.AskAsync<SearchStatus>(new GetSearchStatus(id));
        }
        while (status.Phase != RunPhase.Completed && DateTime.UtcNow < deadline);
        Assert.Equal(RunPhase.Completed, status.Phase);
    }

    /// <summary>The run's operation tables from its JSON, once measured (in the background, after the first request).</summary>
    static async Task<JsonElement> DashboardOperations(HttpClient http, string id)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            using var run = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{id}"));
            if (run.RootElement.GetProperty("Operations") is { ValueKind: JsonValueKind.Object } operations && operations.EnumerateObject().Count() == 2)
                return operations.Clone();
            await Task.Delay(100);
        }
        Assert.Fail("the dashboard never showed both strategies' operation tables");
        return default;
    }
}
