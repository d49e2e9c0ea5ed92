using System.Text.Json;
using System.Xml.Linq;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Dashboard;
using NasActors.Cli.Plots;
using NasActors.Cli.Reports;
using NasActors.Search;
using NasActors.Search.Spaces;

namespace NasActors.Cli.Tests;

/// <summary>Cells drawn, not only spelled: the picture of known cells, and a picture per leaderboard row and per
/// strategy's best cell in the report and in the dashboard's JSON (a hand-made run: nothing trains).</summary>
public sealed class CellPictureTests : IDisposable
{
    const string All3x3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    const string OutputOnlyNone = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|none~2|";
    // Node 1 receives only none, so 2<-1 carries zeros: the one dead edge (1<-0 and 3<-1 are none themselves).
    const string OneDeadEdge = "|none~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|";

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    static XElement Draw(string architecture) => XElement.Parse(CellPicture.Of(Nb201Space.Instance, architecture)!);

    static XElement[] Edges(XElement svg) => svg.Elements().Where(e => e.Name.LocalName == "g").ToArray();

    static string State(XElement edge) => ((string)edge.Attribute("class")!).Split(' ')[1];

    static string? Label(XElement edge) => edge.Elements().SingleOrDefault(e => e.Name.LocalName == "text")?.Value;

    static string Caption(XElement svg) => svg.Elements().Single(e => (string?)e.Attribute("class") == "aliases").Value;

    [Fact]
    public void The_all_3x3_cell_should_have_six_labelled_live_edges_and_none_grey()
    {
        var svg = Draw(All3x3);

        Assert.Equal("svg", svg.Name.LocalName);
        Assert.Equal((CellPicture.Width, CellPicture.Height), ((int)svg.Attribute("width")!, (int)svg.Attribute("height")!));
        var edges = Edges(svg);
        Assert.Equal(["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"], edges.Select(e => (string)e.Attribute("data-edge")!).Order(StringComparer.Ordinal));
        Assert.All(edges, e => Assert.Equal("live", State(e)));
        Assert.All(edges, e => Assert.Equal("3x3", Label(e)));
        Assert.All(edges, e => Assert.Equal("nor_conv_3x3", (string)e.Attribute("data-op")!));
        Assert.Equal(["0", "1", "2", "3"], svg.Elements().Where(e => e.Name.LocalName == "text" && e.Attribute("class") is null).Select(e => e.Value));
        Assert.Equal("the only string computing this", Caption(svg));
        Assert.Equal($"{All3x3} (the only string computing this)", svg.Elements().First(e => e.Name.LocalName == "title").Value);
    }

    [Fact]
    public void A_cell_whose_output_receives_only_none_should_grey_every_edge_and_count_its_aliases()
    {
        var svg = Draw(OutputOnlyNone);

        var states = Edges(svg).ToDictionary(e => (string)e.Attribute("data-edge")!, State);
        Assert.Equal("none", states["3<-0"]);
        Assert.Equal("none", states["3<-1"]);
        Assert.Equal("none", states["3<-2"]);
        Assert.Equal("dead", states["1<-0"]);
        Assert.Equal("dead", states["2<-0"]);
        Assert.Equal("dead", states["2<-1"]);
        Assert.DoesNotContain(Edges(svg), e => State(e) == "live");
        Assert.All(Edges(svg).Where(e => State(e) == "none"), e => Assert.Null(Label(e)));  // none edges are faint and unlabelled
        Assert.All(Edges(svg).Where(e => State(e) == "dead"), e => Assert.Equal("#b0b0b0", (string)e.Elements().First(p => p.Name.LocalName == "path").Attribute("stroke")!));
        // Every string whose output receives only zeros computes the same (counted by hand: 225 with 1<-0 = none, 116 without).
        Assert.Equal(341, CanonicalForms.Of(Nb201Space.Instance).AliasCount(Nb201Space.Instance.Parse(OutputOnlyNone)));
        Assert.Equal("output always zero (341 strings)", Caption(svg));
    }

    [Fact]
    public void A_cell_with_one_dead_edge_should_grey_exactly_that_edge()
    {
        var svg = Draw(OneDeadEdge);

        var edges = Edges(svg);
        var dead = Assert.Single(edges, e => State(e) == "dead");
        Assert.Equal("2<-1", (string)dead.Attribute("data-edge")!);
        Assert.Equal("pool", Label(dead));
        Assert.Contains("dead", dead.Elements().First(e => e.Name.LocalName == "title").Value);
        Assert.Equal(["1<-0", "3<-1"], edges.Where(e => State(e) == "none").Select(e => (string)e.Attribute("data-edge")!).Order(StringComparer.Ordinal));
        Assert.Equal(["2<-0", "3<-0", "3<-2"], edges.Where(e => State(e) == "live").Select(e => (string)e.Attribute("data-edge")!).Order(StringComparer.Ordinal));
        Assert.Equal(["3x3", "skip", "1x1"], new[] { "2<-0", "3<-0", "3<-2" }.Select(n => Label(edges.Single(e => (string)e.Attribute("data-edge")! == n))));
        // The same function: any operation on 2<-1 and 3<-1 while 1<-0 is none (25), or 1<-0 any of the other four with
        // 2<-1 and 3<-1 none (4).
        Assert.Equal(29, CanonicalForms.Of(Nb201Space.Instance).AliasCount(Nb201Space.Instance.Parse(OneDeadEdge)));
        Assert.Equal("29 strings compute this function", Caption(svg));
    }

    [Fact]
    public void Every_picture_should_be_well_formed_xml_with_its_text_escaped_and_none_for_a_space_it_cannot_draw()
    {
        foreach (var architecture in new[] { All3x3, OutputOnlyNone, OneDeadEdge, Nb201Space.Instance.Smallest.ToString() })
        {
            var text = CellPicture.Of(Nb201Space.Instance, architecture)!;
            var svg = XDocument.Parse(text).Root!;  // throws on anything unescaped
            Assert.Contains("3&lt;-0", text);
            Assert.DoesNotContain(" id=", text);  // many pictures share one page
            Assert.Equal(6, Edges(svg).Length);
        }
        Assert.Throws<NasException>(() => CellPicture.Of(Nb201Space.Instance, "|nor_conv_3x3~0|"));
        Assert.Null(CellPicture.Of(new ListSpace(), "0"));
    }

    [Fact]
    public async Task The_report_and_the_dashboard_json_should_draw_every_leaderboard_row_and_each_strategys_best_cell()
    {
        var export = Export(SearchSpec.Load(TinySearch.Write(_temp)).Text);
        var rows = export.Ranking.Strategies.Sum(r => r.Leaderboard.Count);

        using (var reader = System.Xml.XmlReader.Create(new StringReader(SearchReport.Html(export, null)), new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Ignore }))
        {
            var html = XDocument.Load(reader);
            var tables = html.Descendants().Where(e => e.Name.LocalName == "table").ToArray();
            var leaderboardRows = tables.Skip(1).SelectMany(t => t.Elements().Where(e => e.Name.LocalName == "tr").Skip(1)).ToArray();
            Assert.Equal(rows, leaderboardRows.Length);
            foreach (var row in leaderboardRows)
            {
                var architecture = row.Descendants().Single(e => e.Name.LocalName == "code").Value;
                var picture = Assert.Single(row.Descendants(), e => e.Name.LocalName == "svg");
                Assert.Equal("cell", (string?)picture.Attribute("class"));
                Assert.StartsWith(architecture + " (", picture.Elements().First(e => e.Name.LocalName == "title").Value);
            }
            var best = tables[0].Elements().Where(e => e.Name.LocalName == "tr").Skip(1).ToArray();
            Assert.Equal(2, best.Length);
            Assert.All(best, row => Assert.Single(row.Descendants(), e => e.Name.LocalName == "svg"));
        }

        await using var channel = new OneRun(export);
        await using var dashboard = await DashboardServer.StartAsync(channel, 0, "token");
        using var http = new HttpClient { BaseAddress = new Uri(dashboard.Url), Timeout = TimeSpan.FromSeconds(20) };
        using var json = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{export.Status.SearchId}"));
        var cells = json.RootElement.GetProperty("Cells");
        var shown = json.RootElement.GetProperty("Ranking").GetProperty("Strategies").EnumerateArray()
            .SelectMany(r => r.GetProperty("Leaderboard").EnumerateArray().Select(c => c.GetProperty("Architecture").GetString()!))
            .Concat(export.Status.Strategies.Select(s => s.BestArchitecture!)).ToArray();
        Assert.Equal(rows + 2, shown.Length);
        foreach (var architecture in shown)
        {
            var svg = XElement.Parse(cells.GetProperty(architecture).GetString()!);
            Assert.Equal(6, Edges(svg).Length);
        }
        var page = await http.GetStringAsync("/");
        Assert.Contains("picture(cells, c.Architecture)", page);
        Assert.Contains("\\u003Csvg", page);  // the inlined first picture carries the cells too, "</" escaped
    }

    /// <summary>A finished two-strategy run: its leaderboards, each strategy's best (a cell with a dead edge for b).</summary>
    static SearchExport Export(string spec)
    {
        const string Id = "tiny-20261201-000000-1";
        RankedChild[] Board(params string[] architectures) =>
            architectures.Select((a, i) => new RankedChild(Nb201Space.Instance.Canonicalize(Nb201Space.Instance.Parse(a)).ToString(), 0.9 - i / 100.0, null,
                                                          CanonicalForms.Of(Nb201Space.Instance).AliasCount(Nb201Space.Instance.Parse(a)))).ToArray();
        var status = new SearchStatus(Id, "tiny", RunPhase.Completed,
        [
            new StrategyStatus("a", "uniform", 10, 10, true, null, 4, 0, 0, 4, All3x3, 0.9),
            new StrategyStatus("b", "uniform", 10, 10, true, null, 4, 0, 0, 4, OneDeadEdge, 0.8),
        ]);
        var ranking = new SearchRanking(Id,
        [
            new StrategyRanking("a", Board(All3x3, OneDeadEdge, OutputOnlyNone), 0, null, null, null),
            new StrategyRanking("b", Board(OneDeadEdge, Nb201Space.Instance.Smallest.ToString()), 0, null, null, null),
        ]);
        return new SearchExport(status, ranking, spec, []);
    }

    /// <summary>A node that knows one run and cannot list its workers.</summary>
    sealed class OneRun(SearchExport export) : IAdminChannel
    {
        public Task<T> AskAsync<T>(object command) => command switch
        {
            ListSearches => Reply<T>(new SearchList([export.Status])),
            GetRanking => Reply<T>(export.Ranking),
            ExportSearch => Reply<T>(export),
            _ => throw new NasException($"{command.GetType().Name} is not answered here"),
        };

        static Task<T> Reply<T>(object reply) => Task.FromResult((T)reply);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A space of one decision: not a cell, so nothing to draw.</summary>
    sealed class ListSpace : IChoiceSpace
    {
        public string Name => "list";
        public IReadOnlyList<Decision> Decisions { get; } = [new Decision("d", ["0", "1"])];
        public long Size => 2;
        public Architecture Parse(string text) => new(this, [int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)]);
        public string Format(Architecture architecture) => architecture[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        public Architecture Canonicalize(Architecture architecture) => architecture;
        public Architecture Largest => new(this, [1]);
        public Architecture Smallest => new(this, [0]);
    }
}
