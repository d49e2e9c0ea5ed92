using System.Diagnostics;
using System.Text.Json;

namespace NasActors.Cli.Tests;

/// <summary>The admin commands journal what they are asked; a node runs the searches.</summary>
public sealed class SearchCommandsTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string State => _temp.File("state");

    string[] Search(params string[] arguments) => ["search", .. arguments, "--state-dir", State];

    async Task<string> StartSearch(bool probeCheckpoints = false)
    {
        var spec = TinySearch.Write(_temp);
        if (probeCheckpoints)
            File.WriteAllText(spec, File.ReadAllText(spec).Replace("evolution {", "evaluation { probe-checkpoints = on }\n              evolution {"));
        var run = await NasProcess.RunAsync(Search("start", "--spec", spec));
        NasAssert.Succeeded(run);
        var id = Assert.Single(run.StdoutLines);
        Assert.Matches(@"^tiny-\d{8}-\d{6}-1$", id);
        return id;
    }

    [Fact]
    public async Task Start_list_pause_and_resume_should_journal_without_running_anything()
    {
        var id = await StartSearch();

        var list = await NasProcess.RunAsync(Search("list"));
        NasAssert.Succeeded(list);
        Assert.Equal($"{id}  tiny  running", list.StdoutLines[0]);
        Assert.Contains(list.StdoutLines, l => l.Contains("step 0/10"));

        NasAssert.Succeeded(await NasProcess.RunAsync(Search("pause", id)));
        NasAssert.UsageError(await NasProcess.RunAsync(Search("pause", id)), "cannot pause", "paused");
        NasAssert.Succeeded(await NasProcess.RunAsync(Search("resume", id)));
        NasAssert.UsageError(await NasProcess.RunAsync(Search("resume", id)), "cannot resume", "running");
    }

    [Fact]
    public async Task A_node_should_run_a_journaled_search_to_the_end_then_top_and_export_should_report_it()
    {
        // Checkpoints before the final one score the ground truth too: ranking quality over training.
        var id = await StartSearch(probeCheckpoints: true);

        // The node's settings from a configuration file rather than flags.
        var config = _temp.File("node.conf");
        await File.WriteAllTextAsync(config, $"nas.node {{ devices = [cpu], state-dir = \"{State}\", poll = 0.5 }}");
        var node = await NasProcess.RunAsync(["node", "--config", config, "--until-idle"]);
        NasAssert.Succeeded(node);
        Assert.Contains(node.StdoutLines, l => l.StartsWith($"node running on {State} with 1 trainers (cpu)", StringComparison.Ordinal));

        var status = await NasProcess.RunAsync(Search("status", id));
        Assert.Equal($"{id}  tiny  completed", status.StdoutLines[0]);
        var top = await NasProcess.RunAsync(Search("top", id, "--k", "2"));
        NasAssert.Succeeded(top);
        Assert.Contains(top.StdoutLines, l => l.StartsWith("a: top 2 child models", StringComparison.Ordinal));
        Assert.Equal(2, top.StdoutLines.Count(l => l.StartsWith("ranking quality over 3 ground-truth architectures: Kendall tau", StringComparison.Ordinal)));
        var export = _temp.File("export.json");
        NasAssert.Succeeded(await NasProcess.RunAsync(Search("export", id, "--out", export)));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(export));
        Assert.Equal("Completed", json.RootElement.GetProperty("Status").GetProperty("Phase").GetString());
        // Budget 4 per strategy plus 3 ground-truth probes each with the final weights and 3 with the checkpoint of step 5.
        var evaluations = json.RootElement.GetProperty("Evaluations").EnumerateArray().ToArray();
        Assert.Equal(20, evaluations.Length);
        Assert.Equal(6, evaluations.Count(e => e.GetProperty("ProbeStep").ValueKind == JsonValueKind.Number && e.GetProperty("ProbeStep").GetInt64() == 5));
        NasAssert.UsageError(await NasProcess.RunAsync(Search("resume", id)), "cannot resume", "completed");

        var report = _temp.File("report.html");
        NasAssert.Succeeded(await NasProcess.RunAsync(Search("report", id, "--out", report)));
        AssertReport(report, ["a", "b"]);
    }

    /// <summary>The report parses (as XML, which HTML written this way also is) and holds each strategy's figures.</summary>
    static void AssertReport(string path, string[] strategies)
    {
        using var reader = System.Xml.XmlReader.Create(path, new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Ignore });
        var html = System.Xml.Linq.XDocument.Load(reader);
        var all = html.Descendants().ToArray();
        Assert.DoesNotContain(all, e => e.Name.LocalName is "script" or "link" or "img");  // self-contained: nothing fetched
        string[] Texts(string element) => all.Where(e => e.Name.LocalName == element).Select(e => e.Value).ToArray();
        Assert.Equal(strategies, Texts("h3"));  // a leaderboard per strategy
        var svgs = all.Where(e => e.Name.LocalName == "svg" && (string?)e.Attribute("class") != "cell").ToArray();
        Assert.Equal(4, svgs.Length);  // training curves, evolution, estimate against truth, tau over training
        // Each leaderboard row draws its cell (four nodes, six edges) beside its string.
        var leaderboardRows = all.Where(e => e.Name.LocalName == "h3").Select(h => h.ElementsAfterSelf().First(e => e.Name.LocalName == "table"))
            .SelectMany(t => t.Elements().Where(e => e.Name.LocalName == "tr").Skip(1)).ToArray();
        Assert.NotEmpty(leaderboardRows);
        Assert.All(leaderboardRows, row =>
        {
            var picture = Assert.Single(row.Descendants(), e => e.Name.LocalName == "svg");
            Assert.Equal("cell", (string?)picture.Attribute("class"));
            Assert.Equal(6, picture.Elements().Count(e => e.Name.LocalName == "g"));
            Assert.StartsWith(row.Descendants().Single(e => e.Name.LocalName == "code").Value + " (", picture.Elements().First().Value);
        });
        Assert.Contains(svgs, s => s.Descendants().Any(e => e.Name.LocalName == "text" && e.Value.StartsWith("Ranking quality over training", StringComparison.Ordinal)));
        // How much the ranking still moves between checkpoints, beside how good it is.
        var overTraining = svgs.Single(s => s.Descendants().Any(e => e.Name.LocalName == "text" && e.Value.StartsWith("Ranking quality over training", StringComparison.Ordinal)));
        var panels = overTraining.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToArray();
        Assert.Contains("estimates vs the previous checkpoint's", panels);
        Assert.Contains("top 10 kept since the previous checkpoint", panels);
        var figureTexts = svgs.SelectMany(s => s.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value)).ToArray();
        foreach (var strategy in strategies)
        {
            Assert.Contains(figureTexts, t => t.StartsWith($"{strategy}: tau ", StringComparison.Ordinal));
            Assert.Contains(figureTexts, t => t == strategy);  // a legend entry in the curves
        }
        Assert.Contains("Kendall tau", Texts("th"));
    }

    [Fact]
    public async Task A_node_configuration_with_a_bad_device_should_be_refused_naming_the_setting()
    {
        var config = _temp.File("bad-node.conf");
        await File.WriteAllTextAsync(config, "nas.node { devices = [tpu] }");
        NasAssert.UsageError(await NasProcess.RunAsync(["node", "--config", config]), "bad-node.conf", "nas.node.devices = tpu", "cpu or cuda:N");
    }

    [Fact]
    public async Task Admin_commands_should_be_refused_while_a_node_runs_on_the_journal()
    {
        await StartSearch();
        using var node = Process.Start(NasProcess.StartInfo(["node", "--state-dir", State, "--poll", "0.5"]))!;
        try
        {
            await NasProcess.WaitForLineAsync(node, "node running on");
            NasAssert.UsageError(await NasProcess.RunAsync(Search("list")), "another nas process", "stop it first");
        }
        finally
        {
            node.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Commands_on_a_missing_journal_or_an_unknown_id_should_say_so_with_exit_code_2()
    {
        NasAssert.UsageError(await NasProcess.RunAsync(Search("status", "nope")), "no journal", "search start");
        await StartSearch();
        NasAssert.UsageError(await NasProcess.RunAsync(Search("status", "nope")), "unknown search id 'nope'", "search list");
        NasAssert.UsageError(await NasProcess.RunAsync(Search("start", "--spec", _temp.File("missing.conf"))), "missing.conf", "does not exist");
    }
}
