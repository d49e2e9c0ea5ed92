using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Training;

namespace NasActors.Actors.Serialization;

/// <summary>The closed set of messages that cross nodes (hocon/wire.conf binds each to <see cref="WireSerializer"/>), each
/// under a short manifest. Nothing named on the wire is instantiated: a manifest outside this table is refused with
/// <see cref="SerializationException"/>, and Akka drops that frame and logs it. Events persisted by runs keep the
/// journal's serializer on the wire too (also a closed set).</summary>
public static class WireFormats
{
    /// <summary>Every wire type and its manifest. A new message that crosses nodes needs an entry here and a binding in
    /// hocon/wire.conf; WireSerializerTests fail when a protocol type has neither.</summary>
    public static IReadOnlyDictionary<string, Type> ByManifest { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        // cluster
        ["register-trainer"] = typeof(RegisterTrainer),
        ["training-job-id"] = typeof(TrainingJobId),
        ["cancel-training"] = typeof(CancelTraining),
        ["trainer-lost"] = typeof(TrainerLost),
        ["register-evaluator"] = typeof(RegisterEvaluator),
        ["admin-request"] = typeof(AdminRequest),
        ["list-nodes"] = typeof(ListNodes),
        ["node-list"] = typeof(NodeList),
        ["member-info"] = typeof(MemberInfo),
        ["trainer-info"] = typeof(TrainerInfo),
        ["evaluator-info"] = typeof(EvaluatorInfo),
        ["list-workers"] = typeof(ListWorkers),
        ["trainer-list"] = typeof(TrainerList),
        ["evaluator-list"] = typeof(EvaluatorList),
        // a trainer done with its job, to the training queue on the coordinator
        ["trainer-idle"] = typeof(TrainerActor.TrainerIdle),
        // manager
        ["create-search"] = typeof(CreateSearch),
        ["list-searches"] = typeof(ListSearches),
        ["search-list"] = typeof(SearchList),
        // runs
        ["start-search"] = typeof(StartSearch),
        ["pause-search"] = typeof(PauseSearch),
        ["resume-search"] = typeof(ResumeSearch),
        ["stop-search"] = typeof(StopSearch),
        ["get-search-status"] = typeof(GetSearchStatus),
        ["get-ranking"] = typeof(GetRanking),
        ["export-search"] = typeof(ExportSearch),
        ["search-export"] = typeof(SearchExport),
        ["exported-checkpoint"] = typeof(ExportedCheckpoint),
        ["exported-evaluation"] = typeof(ExportedEvaluation),
        ["search-ranking"] = typeof(SearchRanking),
        ["strategy-ranking"] = typeof(StrategyRanking),
        ["ranked-child"] = typeof(RankedChild),
        ["ranking-updated"] = typeof(RankingUpdated),
        ["command-accepted"] = typeof(CommandAccepted),
        ["command-rejected"] = typeof(CommandRejected),
        ["search-status"] = typeof(SearchStatus),
        ["strategy-status"] = typeof(StrategyStatus),
        ["train-strategy"] = typeof(TrainStrategy),
        ["checkpoint-unusable"] = typeof(CheckpointUnusable),
        ["stop-training"] = typeof(StopTraining),
        ["checkpoint-saved"] = typeof(CheckpointSaved),
        ["training-failed"] = typeof(TrainingFailed),
        ["evaluate-child"] = typeof(EvaluateChild),
        ["evaluation-succeeded"] = typeof(EvaluationSucceeded),
        ["evaluation-gave-up"] = typeof(EvaluationGaveUp),
        // evaluators
        ["run-evaluation"] = typeof(RunEvaluation),
        ["evaluation-attempt-succeeded"] = typeof(EvaluationAttemptSucceeded),
        ["evaluation-attempt-failed"] = typeof(EvaluationAttemptFailed),
    };

    static readonly Dictionary<Type, string> ManifestByType = ByManifest.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>hocon/wire.conf: the serializer and its bindings. Every actor system that talks to a node loads it.</summary>
    public static Akka.Configuration.Config Config() =>
        Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(JournalSettings.HoconFile("wire.conf")));

    /// <summary>True for a type this table carries.</summary>
    public static bool Carries(Type type) => ManifestByType.ContainsKey(type);

    public static string ManifestOf(Type type) =>
        ManifestByType.TryGetValue(type, out var manifest)
            ? manifest
            : throw new ArgumentException($"{type.FullName} has no wire format: add it to WireFormats.ByManifest and hocon/wire.conf", nameof(type));

    /// <summary>The type a manifest names; any other manifest is refused.</summary>
    public static Type TypeOf(string manifest) =>
        ByManifest.TryGetValue(manifest, out var type)
            ? type
            : throw new SerializationException($"wire manifest '{manifest}' names no message this version of NasActors carries: frame dropped");

    /// <summary>Payload options for one actor system: the journal's JSON options, actor references as their full
    /// paths (resolved by <paramref name="system"/>), and an untyped field (<see cref="AdminRequest.Command"/>) as
    /// <c>{"Manifest": ..., "Payload": ...}</c> of a wire or journal type, never a CLR type name.</summary>
    public static JsonSerializerOptions OptionsFor(ExtendedActorSystem system)
    {
        var options = new JsonSerializerOptions(JournalFormats.EventOptions);
        options.Converters.Add(new ActorRefConverter(system));
        options.Converters.Add(new EmbeddedMessageConverter());
        return options;
    }

    sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            system.Provider.ResolveActorRef(reader.GetString() ?? throw new JsonException("an actor reference must be a path"));

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }

    /// <summary>A field typed <see cref="object"/>: its message under a manifest from this table or the journal's.</summary>
    sealed class EmbeddedMessageConverter : JsonConverter<object>
    {
        public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(object);

        public override object Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("an embedded message must be {\"Manifest\": ..., \"Payload\": ...}");
            string? manifest = null;
            object? value = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = reader.GetString();
                reader.Read();
                if (property == "Manifest") manifest = reader.GetString();
                else if (property == "Payload")
                {
                    if (manifest is null) throw new JsonException("an embedded message names its Manifest before its Payload");
                    if (ByManifest.TryGetValue(manifest, out var type)) value = JsonSerializer.Deserialize(ref reader, type, options);
                    else
                    {
                        using var document = JsonDocument.ParseValue(ref reader);
                        value = JournalFormats.Decode(System.Text.Encoding.UTF8.GetBytes(document.RootElement.GetRawText()), manifest);
                    }
                }
                else reader.Skip();
            }
            return value ?? throw new JsonException("an embedded message must be {\"Manifest\": ..., \"Payload\": ...}");
        }

        public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
        {
            var type = value.GetType();
            writer.WriteStartObject();
            if (Carries(type))
            {
                writer.WriteString("Manifest", ManifestOf(type));
                writer.WritePropertyName("Payload");
                JsonSerializer.Serialize(writer, value, type, options);
            }
            else
            {
                // Anything else must be a journal type (Of throws for one that is neither).
                writer.WriteString("Manifest", JournalFormats.Of(type).Manifest);
                writer.WritePropertyName("Payload");
                writer.WriteRawValue(JournalFormats.Encode(value));
            }
            writer.WriteEndObject();
        }
    }
}
