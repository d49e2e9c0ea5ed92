using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Tests.Persistence;

/// <summary>What the journal stores: explicit manifests, JSON payloads without CLR type names, old versions upcast, the
/// serializer bound in the HOCON every node loads, and payloads that stay as committed in golden-payloads.json.</summary>
public sealed class JournalSerializerTests
{
    /// <summary>The manifest table as it is on disk, written out: a manifest never follows from a type's name, so renaming a
    /// type (with the IDE, which renames it here too) leaves every manifest as it is.</summary>
    static readonly (string Manifest, Type Type)[] ManifestTable =
    [
        ("search-created.v1", typeof(SearchCreated)),
        ("search-started.v3", typeof(SearchStarted)),
        ("checkpoint-committed.v3", typeof(CheckpointCommitted)),
        ("checkpoint-rejected.v1", typeof(CheckpointRejected)),
        ("strategy-trained.v3", typeof(StrategyTrained)),
        ("strategy-failed.v1", typeof(StrategyFailed)),
        ("evaluation-requested.v4", typeof(EvaluationRequested)),
        ("evaluation-completed.v2", typeof(EvaluationCompleted)),
        ("evaluation-failed.v1", typeof(EvaluationFailed)),
        ("search-paused.v1", typeof(SearchPaused)),
        ("search-resumed.v1", typeof(SearchResumed)),
        ("search-stopped.v1", typeof(SearchStopped)),
        ("search-completed.v1", typeof(SearchCompleted)),
        ("search-run-snapshot.v2", typeof(SearchRunSnapshot)),
        ("journal-probed.v1", typeof(JournalProbed)),
    ];

    static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln"))) return Path.Combine(directory.FullName, relative);
        throw new FileNotFoundException("repository root not found above the test output");
    }

    [Fact]
    public void The_manifest_table_should_be_the_explicit_one_on_disk()
    {
        Assert.Equal(ManifestTable, JournalFormats.All.Select(f => (f.Manifest, f.Type)));
        Assert.All(JournalFormats.All, f => Assert.Matches(@"^[a-z]+(-[a-z]+)*$", f.Name));
        Assert.Equal(JournalFormats.All.Count, JournalFormats.All.Select(f => f.Name).Distinct().Count());
    }

    [Fact]
    public void Every_type_that_runs_and_the_manager_persist_should_have_a_format()
    {
        var events = typeof(ISearchEvent).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(ISearchEvent).IsAssignableFrom(t));
        Assert.Equal(events.Append(typeof(SearchCreated)).Append(typeof(SearchRunSnapshot)).Append(typeof(JournalProbed)).OrderBy(t => t.FullName),
                     JournalFormats.All.Select(f => f.Type).OrderBy(t => t.FullName));
        Assert.Equal(JournalFormats.All.Select(f => f.Type).Order(Comparer<Type>.Create((x, y) => string.CompareOrdinal(x.FullName, y.FullName))),
                     JournalSamples.All().Select(s => s.GetType()).Order(Comparer<Type>.Create((x, y) => string.CompareOrdinal(x.FullName, y.FullName))));
    }

    [Fact]
    public async Task The_HOCON_every_node_loads_should_bind_each_persisted_type_to_the_journal_serializer()
    {
        var journal = Path.Combine(Path.GetTempPath(), $"nasactors-binding-{Guid.NewGuid():N}.db");
        using var system = ActorSystem.Create("binding", JournalSettings.Sqlite(journal).ToConfig());
        try
        {
            foreach (var sample in JournalSamples.All())
            {
                var serializer = system.Serialization.FindSerializerFor(sample);
                Assert.IsType<JournalSerializer>(serializer);
                var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
                Assert.Equal(JournalFormats.Of(sample.GetType()).Manifest, manifest);
                var back = system.Serialization.Deserialize(serializer.ToBinary(sample), JournalSerializer.Id, manifest);
                Assert.Equal(Text(JournalFormats.Encode(sample)), Text(JournalFormats.Encode(back)));
            }
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void Every_persisted_value_should_round_trip_and_its_payload_should_name_no_CLR_type()
    {
        foreach (var sample in JournalSamples.All())
        {
            var format = JournalFormats.Of(sample.GetType());
            var payload = JournalFormats.Encode(sample);
            var back = JournalFormats.Decode(payload, format.Manifest);
            Assert.IsType(sample.GetType(), back);
            Assert.Equal(Text(payload), Text(JournalFormats.Encode(back)));
            if (sample is not (SearchStarted or SearchRunSnapshot)) Assert.Equal(sample, back);  // records without lists compare by value
            Assert.DoesNotContain("$type", Text(payload));
            Assert.DoesNotContain("NasActors", Text(payload));
            Assert.DoesNotContain(sample.GetType().Name, Text(payload));
        }
        var snapshot = JournalSamples.Snapshot();
        Assert.Contains(snapshot.Evaluations, e => e.Accuracy is null && e.FailureReason is null);  // the sample has all kinds
        Assert.Contains(snapshot.Evaluations, e => e.FailureReason is not null);
        Assert.Contains(snapshot.Strategies, s => s.StepProbesRequested.Count > 0);
        Assert.Contains(snapshot.Strategies, s => s.CheckpointsRejected > 0);
        Assert.Contains(snapshot.Strategies, s => s.Trained is null);
    }

    /// <summary>golden-payloads.json holds, per manifest ever written, the payload of its sample: this version must write
    /// the current ones byte for byte and read all of them. A change that alters a payload (a renamed or new property)
    /// fails here until it gets a new version and an upcaster; NAS_REGENERATE_GOLDEN=1 adds the entries that are missing.</summary>
    [Fact]
    public void Payloads_should_be_the_committed_golden_ones_and_every_committed_one_should_still_read()
    {
        var file = RepositoryFile("tests/NasActors.Actors.Tests/Persistence/golden-payloads.json");
        var golden = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var missing = new List<string>();
        foreach (var sample in JournalSamples.All())
        {
            var manifest = JournalFormats.Of(sample.GetType()).Manifest;
            var written = JsonNode.Parse(JournalFormats.Encode(sample))!;
            if (golden[manifest] is not { } committed)
            {
                missing.Add(manifest);
                golden[manifest] = written;
                continue;
            }
            Assert.True(JsonNode.DeepEquals(committed, written),
                        $"{manifest} is written differently from golden-payloads.json: give the type a new version and an upcaster\n" +
                        $"committed: {committed.ToJsonString()}\nwritten:   {written.ToJsonString()}");
        }
        if (missing.Count > 0 && Environment.GetEnvironmentVariable("NAS_REGENERATE_GOLDEN") is { Length: > 0 })
            File.WriteAllText(file, golden.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        else Assert.True(missing.Count == 0, $"golden-payloads.json has no entry for {string.Join(", ", missing)}: run this test with NAS_REGENERATE_GOLDEN=1");
        foreach (var (manifest, payload) in golden)
            Assert.NotNull(JournalFormats.Decode(Encoding.UTF8.GetBytes(payload!.ToJsonString()), manifest));
    }

    static T Read<T>(string manifest, string json) => Assert.IsType<T>(JournalFormats.Decode(Encoding.UTF8.GetBytes(json), manifest));

    [Fact]
    public void Events_of_older_versions_should_be_upcast_with_what_their_missing_properties_meant()
    {
        Assert.Equal(new EvaluationCompleted("a/1", 0.5, Seconds: 0), Read<EvaluationCompleted>("evaluation-completed.v1", """{"EvaluationId":"a/1","Accuracy":0.5}"""));

        var first = Read<CheckpointCommitted>("checkpoint-committed.v1", """{"Strategy":"a","Step":5,"Path":"/a/5","Sha256":"aa"}""");
        Assert.Equal(("a", 5L, "/a/5", "aa", 0.0, 0L), (first.Strategy, first.Step, first.Path, first.Sha256, first.ImagesPerSecond, first.ResumedFrom));
        Assert.True(double.IsNaN(first.MeanLoss));  // not measured then
        Assert.Equal(new CheckpointCommitted("a", 5, "/a/5", "aa", 2.5, 100, ResumedFrom: 0),
                     Read<CheckpointCommitted>("checkpoint-committed.v2", """{"Strategy":"a","Step":5,"Path":"/a/5","Sha256":"aa","MeanLoss":2.5,"ImagesPerSecond":100}"""));

        Assert.Equal(new StrategyTrained("a", 10, "w", 0, 0, null), Read<StrategyTrained>("strategy-trained.v1", """{"Strategy":"a","Steps":10,"WeightsSha256":"w"}"""));
        Assert.Equal(new StrategyTrained("a", 10, "w", 1.5, 0.5, null),
                     Read<StrategyTrained>("strategy-trained.v2", """{"Strategy":"a","Steps":10,"WeightsSha256":"w","TrainingSeconds":1.5,"PathWaitSeconds":0.5}"""));
        Assert.Equal(new EvaluationRequested("a/1", "a", "x", "/a/10", "ab", Probe: false, ProbeStep: null),
                     Read<EvaluationRequested>("evaluation-requested.v1", """{"EvaluationId":"a/1","Strategy":"a","Architecture":"x","CheckpointPath":"/a/10","CheckpointSha256":"ab"}"""));
        Assert.Equal(new EvaluationRequested("a/ground-truth/1", "a", "x", "/a/10", "ab", Probe: true, ProbeStep: null),
                     Read<EvaluationRequested>("evaluation-requested.v2", """{"EvaluationId":"a/ground-truth/1","Strategy":"a","Architecture":"x","CheckpointPath":"/a/10","CheckpointSha256":"ab","Probe":true}"""));
        Assert.Null(Read<SearchStarted>("search-started.v1", """{"SearchId":"s","SpecText":"search {}","Threads":2,"At":"2026-12-02T08:00:00+00:00"}""").GroundTruthArchitectures);
        // A run from before results reached the evolution in request order replays as it ran: results as journaled.
        Assert.False(Read<SearchStarted>("search-started.v2", """{"SearchId":"s","SpecText":"search {}","Threads":2,"At":"2026-12-02T08:00:00+00:00","GroundTruthArchitectures":null}""").ResultsInRequestOrder);
    }

    [Fact]
    public void Events_inside_a_snapshot_should_carry_their_own_manifest_and_be_upcast_like_journaled_ones()
    {
        var snapshot = JsonNode.Parse(JournalFormats.Encode(JournalSamples.Snapshot()))!;
        var checkpoint = snapshot["Strategies"]![0]!["Checkpoints"]![0]!;
        Assert.Equal("checkpoint-committed.v3", checkpoint["Manifest"]!.GetValue<string>());
        snapshot["Strategies"]![0]!["Checkpoints"]![0] = JsonNode.Parse("""{"Manifest":"checkpoint-committed.v1","Payload":{"Strategy":"a","Step":5,"Path":"/a/5","Sha256":"aa"}}""");
        var read = Read<SearchRunSnapshot>("search-run-snapshot.v1", snapshot.ToJsonString());
        var upcast = read.Strategies[0].Checkpoints[0];
        Assert.Equal(("/a/5", 0L), (upcast.Path, upcast.ResumedFrom));
        Assert.True(double.IsNaN(upcast.MeanLoss));
    }

    [Theory]
    [InlineData("no-such-event.v1", "names no type")]
    [InlineData("evaluation-completed.v3", "newer version")]
    [InlineData("evaluation-completed", "malformed")]
    [InlineData("evaluation-completed.v0", "malformed")]
    [InlineData("NasActors.Actors.Protocol.EvaluationCompleted, NasActors.Actors", "malformed")]
    public void A_manifest_this_version_does_not_know_should_be_refused_with_what_is_wrong(string manifest, string reason)
    {
        var error = Assert.Throws<SerializationException>(() => JournalFormats.Decode("""{"EvaluationId":"a/1","Accuracy":0.5}"""u8, manifest));
        Assert.Contains(reason, error.Message);
        Assert.Contains(manifest, error.Message);
    }

    [Theory]
    [InlineData("""{"Accuracy":0.5,"Seconds":1}""")]        // no id
    [InlineData("""{"EvaluationId":null,"Accuracy":0.5,"Seconds":1}""")]
    [InlineData("""[1, 2]""")]
    [InlineData("""{"EvaluationId":"a/1","Accuracy":""")]
    public void A_malformed_payload_should_be_refused_not_read_with_holes(string json)
    {
        var error = Assert.Throws<SerializationException>(() => JournalFormats.Decode(Encoding.UTF8.GetBytes(json), "evaluation-completed.v2"));
        Assert.Contains("evaluation-completed.v2", error.Message);
        Assert.Throws<SerializationException>(() => JournalFormats.Decode(Encoding.UTF8.GetBytes(json), "evaluation-completed.v1"));
    }

    [Fact]
    public void A_type_without_a_format_should_not_be_persisted_by_the_journal_serializer()
    {
        var error = Assert.Throws<ArgumentException>(() => JournalFormats.Encode(new CreateSearch("spec", 1)));
        Assert.Contains("JournalFormats.All", error.Message);
    }

    [Fact]
    public void The_snapshot_interval_should_be_read_from_HOCON_with_a_default_and_refuse_what_is_not_a_count()
    {
        Assert.Equal(SnapshotSettings.DefaultEvery, SnapshotSettings.Create(ConfigurationFactory.Empty).Every);
        Assert.Equal(200, SnapshotSettings.Create(JournalSettings.FormatConfig()).Every);
        Assert.Equal(7, SnapshotSettings.Create(ConfigurationFactory.ParseString("nas.search.snapshot-every = 7")).Every);
        Assert.False(SnapshotSettings.Create(ConfigurationFactory.ParseString("nas.search.snapshot-every = 0")).IsDue(0));
        var error = Assert.Throws<NasException>(() => SnapshotSettings.Create(ConfigurationFactory.ParseString("nas.search.snapshot-every = -5")));
        Assert.Contains("nas.search.snapshot-every", error.Message);
    }
}
