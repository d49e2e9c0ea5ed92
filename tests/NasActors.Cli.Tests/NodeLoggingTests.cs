using System.Text.Json;
using NasActors.Actors.Telemetry;
using NasActors.Search;

namespace NasActors.Cli.Tests;

/// <summary><c>nas node --log-format json</c>: Akka's and the application's events as one JSON object a line, each with
/// the node, and the search id and strategy where the event is about one.</summary>
public sealed class NodeLoggingTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_node_configured_for_json_logs_should_write_each_event_as_a_json_line_naming_node_search_and_strategy()
    {
        var state = _temp.File("state");
        var start = await NasProcess.RunAsync(["search", "start", "--spec", TinySearch.Write(_temp), "--state-dir", state]);
        NasAssert.Succeeded(start);
        var id = Assert.Single(start.StdoutLines);

        // Level and format from HOCON, as an operator's node configuration gives them.
        var config = _temp.File("node.conf");
        await File.WriteAllTextAsync(config, $"nas.node {{ state-dir = \"{state}\", poll = 0.5, log-level = INFO, log-format = json }}");
        var node = await NasProcess.RunAsync(["node", "--config", config, "--until-idle"]);

        NasAssert.Succeeded(node);
        var events = node.StdoutLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal("embedded", e.GetProperty("Node").GetString()));
        Assert.All(events, e => Assert.True(e.TryGetProperty("@m", out _) && e.TryGetProperty("@t", out _), e.ToString()));
        // The trainers' events about each strategy's training, with their properties.
        var trainingEnded = events.Where(e => e.GetProperty("@m").GetString()!.Contains(" ended after ")).ToArray();
        Assert.Equal(["a", "b"], trainingEnded.Select(e => e.GetProperty("Strategy").GetString()).Order());
        Assert.All(trainingEnded, e => Assert.Equal(id, e.GetProperty("SearchId").GetString()));
        // Every line is an event or one of the node's own progress lines: nothing half-structured.
        Assert.All(node.StdoutLines.Where(l => !l.StartsWith('{')), l => Assert.DoesNotContain("[INF", l));
    }

    [Fact]
    public async Task A_node_with_text_logs_should_write_readable_lines_with_the_node()
    {
        var state = _temp.File("state");
        NasAssert.Succeeded(await NasProcess.RunAsync(["search", "start", "--spec", TinySearch.Write(_temp), "--state-dir", state]));

        var node = await NasProcess.RunAsync(["node", "--state-dir", state, "--until-idle", "--poll", "0.5", "--log-level", "INFO"]);

        NasAssert.Succeeded(node);
        Assert.Contains(node.StdoutLines, l => l.StartsWith("[INF ", StringComparison.Ordinal) && l.Contains(" embedded] training ") && l.Contains(" ended after "));
    }

    [Theory]
    [InlineData("akka://nas/user/searches/manager/tiny-20261203-070000-1/run", "tiny-20261203-070000-1")]
    [InlineData("akka://nas/user/singleton/searches/manager/a%2Fb/run/ranking", "a/b")]
    [InlineData("akka://nas/user/training/trainer-0-cpu", null)]
    [InlineData("akka://nas/user/searches/manager", null)]
    public void The_search_id_should_come_from_a_run_actors_path(string path, string? searchId) =>
        Assert.Equal(searchId, NodeLogging.SearchIdOf(path));

    [Fact]
    public void An_unknown_log_format_should_be_refused_naming_the_choices() =>
        Assert.Contains("expected text or json", Assert.Throws<NasException>(() => NodeLogging.ParseFormat("xml")).Message);
}
