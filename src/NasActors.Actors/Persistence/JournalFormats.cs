using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Persistence;

/// <summary>One persisted type as the journal names it: a short name that never changes, its current version, and for
/// each older version the upcaster that brings a payload of that version to the next.</summary>
public sealed class JournalFormat
{
    readonly Action<JsonObject>[] _upcasters;

    internal JournalFormat(string name, Type type, params Action<JsonObject>[] upcasters)
    {
        Name = name;
        Type = type;
        _upcasters = upcasters;
    }

    /// <summary>The name on disk, chosen once; renaming the C# type leaves it as it is.</summary>
    public string Name { get; }

    public Type Type { get; }

    /// <summary>The version this build writes: one more than the number of upcasters.</summary>
    public int Version => _upcasters.Length + 1;

    /// <summary>What the journal stores beside the payload: <c>name.vN</c>.</summary>
    public string Manifest => ManifestOf(Version);

    public string ManifestOf(int version) => $"{Name}.v{version}";

    /// <summary>Brings a payload of <paramref name="version"/> up to <see cref="Version"/>, one upcaster at a time.</summary>
    internal void Upcast(JsonObject payload, int version)
    {
        for (var v = version; v < Version; v++) _upcasters[v - 1](payload);
    }
}

/// <summary>The journal's manifest table and payload codec: every type that search runs and the search manager persist
/// (events and snapshots), each under an explicit name and version, as JSON with the records' property names and no CLR
/// type names. Rules for changing a persisted type: a new property is a new version with an upcaster that says what the
/// old payloads mean (usually the default the property had when it appeared); a renamed property keeps its JSON name
/// (<c>[property: JsonPropertyName("Old")]</c>); a renamed type keeps its manifest. The golden payloads and journals
/// under tests/ fail when a change forgets one of these.</summary>
public static class JournalFormats
{
    /// <summary>The payload options: property names as the records spell them (the names Akka's default JSON
    /// serializer wrote before this format, so that old and new payloads of an event look alike), every property written
    /// (defaults too), NaN losses allowed, and nulls refused where the record does not allow them.</summary>
    public static JsonSerializerOptions EventOptions { get; } = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Stored, never embedded in HTML: architecture strings keep their '+', spec texts their quotes.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Snapshot options: events inside a snapshot are stored with their own manifest (and upcast like
    /// journaled ones), so that a new event version needs no new snapshot version.</summary>
    static readonly JsonSerializerOptions SnapshotOptions = new(EventOptions) { Converters = { new EmbeddedEventConverter() } };

    static void Default(JsonObject payload, string property, JsonNode? value)
    {
        if (!payload.ContainsKey(property)) payload[property] = value;
    }

    /// <summary>Every persisted type. Versions before the current one are the shapes the records had in earlier
    /// commits (named beside each upcaster); names are final.</summary>
    public static IReadOnlyList<JournalFormat> All { get; } =
    [
        new("search-created", typeof(SearchCreated)),
        new("search-started", typeof(SearchStarted),
            // v2 (029750f): the ground-truth architectures the strategies score; none before.
            p => Default(p, "GroundTruthArchitectures", null),
            // v3 (issue 24, the chaos run): results reach the evolution in request order; before it, as they were journaled.
            p => Default(p, "ResultsInRequestOrder", false)),
        new("checkpoint-committed", typeof(CheckpointCommitted),
            // v2 (49e5a3e): mean loss and throughput since the previous checkpoint; not measured before.
            p =>
            {
                Default(p, "MeanLoss", "NaN");
                Default(p, "ImagesPerSecond", 0);
            },
            // v3 (3e93b7c): the step the trainer's job started from; before it, recorded as from scratch.
            p => Default(p, "ResumedFrom", 0)),
        new("checkpoint-rejected", typeof(CheckpointRejected)),
        new("strategy-trained", typeof(StrategyTrained),
            // v2 (758fbeb): the trainer's seconds, training and waiting for paths.
            p =>
            {
                Default(p, "TrainingSeconds", 0);
                Default(p, "PathWaitSeconds", 0);
            },
            // v3 (f42685d): a digest of the sampled path sequence.
            p => Default(p, "PathsDigest", null)),
        new("strategy-failed", typeof(StrategyFailed)),
        new("evaluation-requested", typeof(EvaluationRequested),
            // v2 (029750f): ground-truth probes beside the evolution's children.
            p => Default(p, "Probe", false),
            // v3 (d8de39a): probes of a checkpoint before the final one.
            p => Default(p, "ProbeStep", null),
            // v4 (issue 22): children scored for a combined estimator.
            p => Default(p, "ForCombination", false)),
        new("evaluation-completed", typeof(EvaluationCompleted),
            // v2 (b5cf13f): the evaluator's seconds on it.
            p => Default(p, "Seconds", 0)),
        new("evaluation-failed", typeof(EvaluationFailed)),
        new("search-paused", typeof(SearchPaused)),
        new("search-resumed", typeof(SearchResumed)),
        new("search-stopped", typeof(SearchStopped)),
        new("search-completed", typeof(SearchCompleted)),
        new("search-run-snapshot", typeof(SearchRunSnapshot),
            // v2 (issue 22): its evaluations embed evaluation-requested.v4; a v1 snapshot's embedded events upcast as journaled ones do.
            _ => { }),
        // Written and deleted by each readiness probe (/readyz), never read back by a run.
        new("journal-probed", typeof(JournalProbed)),
    ];

    static readonly Dictionary<Type, JournalFormat> ByType = All.ToDictionary(f => f.Type);
    static readonly Dictionary<string, JournalFormat> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The format of a persisted type; an unlisted type is a bug (a binding without an entry here).</summary>
    public static JournalFormat Of(Type type) =>
        ByType.TryGetValue(type, out var format)
            ? format
            : throw new ArgumentException($"{type.FullName} has no journal format: add it to JournalFormats.All before persisting it", nameof(type));

    /// <summary>The format and version a manifest names; a manifest this build does not know throws
    /// <see cref="SerializationException"/> with what is wrong.</summary>
    public static (JournalFormat Format, int Version) Parse(string manifest)
    {
        var at = manifest.LastIndexOf(".v", StringComparison.Ordinal);
        if (at <= 0 || !int.TryParse(manifest.AsSpan(at + 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) || version < 1)
            throw new SerializationException($"journal manifest '{manifest}' is malformed: expected NAME.vN, e.g. {All[0].Manifest}");
        if (!ByName.TryGetValue(manifest[..at], out var format))
            throw new SerializationException($"journal manifest '{manifest}' names no type this version of NasActors knows " +
                                             $"(it reads {string.Join(", ", All.Select(f => f.Name))})");
        if (version > format.Version)
            throw new SerializationException($"journal entry {manifest} was written by a newer version of NasActors (this one reads " +
                                             $"{format.Name} up to v{format.Version}): run the newer version on this journal");
        return (format, version);
    }

    public static byte[] Encode(object value)
    {
        var format = Of(value.GetType());
        return JsonSerializer.SerializeToUtf8Bytes(value, format.Type, OptionsFor(format));
    }

    /// <summary>The value a payload of <paramref name="manifest"/> holds, upcast to the current version.</summary>
    public static object Decode(ReadOnlySpan<byte> payload, string manifest)
    {
        var (format, version) = Parse(manifest);
        try
        {
            if (version == format.Version) return JsonSerializer.Deserialize(payload, format.Type, OptionsFor(format))!;
            var node = JsonNode.Parse(payload) as JsonObject ?? throw new JsonException("the payload is not a JSON object");
            format.Upcast(node, version);
            return node.Deserialize(format.Type, OptionsFor(format))!;
        }
        catch (JsonException e)
        {
            throw new SerializationException($"journal entry {manifest} is malformed: {e.Message}", e);
        }
    }

    static JsonSerializerOptions OptionsFor(JournalFormat format) => format.Type == typeof(SearchRunSnapshot) ? SnapshotOptions : EventOptions;

    /// <summary>An event inside a snapshot: <c>{"Manifest": "name.vN", "Payload": {...}}</c>.</summary>
    sealed class EmbeddedEventConverter : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) => typeToConvert != typeof(SearchRunSnapshot) && ByType.ContainsKey(typeToConvert);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(Embedded<>).MakeGenericType(typeToConvert))!;

        sealed class Embedded<T> : JsonConverter<T> where T : class
        {
            public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            {
                // Read in place, not buffered: a snapshot of a long run holds thousands of events.
                if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"an event in a snapshot must be an object, not {reader.TokenType}");
                string? manifest = null;
                T? value = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var property = reader.GetString();
                    reader.Read();
                    if (property == "Manifest") manifest = reader.GetString();
                    else if (property == "Payload")
                        value = Decode(ref reader, manifest ?? throw new JsonException("an event in a snapshot names its Manifest before its Payload")) as T
                                ?? throw new JsonException($"an event of manifest {manifest} stands where a {typeof(T).Name} belongs");
                    else reader.Skip();
                }
                return value ?? throw new JsonException("an event in a snapshot must be {\"Manifest\": ..., \"Payload\": ...}");
            }

            static object Decode(ref Utf8JsonReader reader, string manifest)
            {
                var (format, version) = Parse(manifest);
                if (version == format.Version) return JsonSerializer.Deserialize(ref reader, format.Type, EventOptions)!;
                var node = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException($"the payload of {manifest} is not a JSON object");
                format.Upcast(node, version);
                return node.Deserialize(format.Type, EventOptions)!;
            }

            public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
            {
                writer.WriteStartObject();
                writer.WriteString("Manifest", Of(typeof(T)).Manifest);
                writer.WritePropertyName("Payload");
                JsonSerializer.Serialize(writer, value, EventOptions);
                writer.WriteEndObject();
            }
        }
    }
}
