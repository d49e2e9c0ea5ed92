using System.Reflection;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Serialization;

namespace NasActors.Actors.Tests.Serialization;

/// <summary>What crosses nodes: every protocol message bound to the wire serializer (a closed set of manifests), each
/// round-tripping, no CLR type name on the wire, and an unknown manifest refused.</summary>
public sealed class WireSerializerTests : IDisposable
{
    readonly ActorSystem _system = ActorSystem.Create("wire", WireFormats.Config().WithFallback(JournalSettings.FormatConfig()));

    public void Dispose() => _system.Dispose();

    /// <summary>Every message type of the protocol namespace that is not persisted (those keep the journal's serializer),
    /// the evaluator protocol, and the trainer's word to the training queue: a new message without a wire format fails here.</summary>
    static IEnumerable<Type> ProtocolMessages() =>
        typeof(AdminRequest).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(AdminRequest).Namespace && t.IsClass && t.IsSealed && t.IsPublic && !IsPersisted(t))
            .Concat([typeof(NasActors.Actors.Evaluation.RunEvaluation), typeof(NasActors.Actors.Evaluation.EvaluationAttemptSucceeded), typeof(NasActors.Actors.Evaluation.EvaluationAttemptFailed),
                     typeof(NasActors.Actors.Training.TrainerActor.TrainerIdle)]);

    static bool IsPersisted(Type t) => JournalFormats.All.Any(f => f.Type == t);

    [Fact]
    public void Every_protocol_message_is_bound_to_the_wire_serializer_and_round_trips()
    {
        var probe = _system.ActorOf(Props.Empty, "probe");
        foreach (var type in ProtocolMessages())
        {
            var value = Sample(type, probe);
            var serializer = _system.Serialization.FindSerializerFor(value);
            Assert.True(serializer is WireSerializer, $"{type.Name} is carried by {serializer.GetType().Name}, not the wire serializer: bind it in hocon/wire.conf");
            var wire = (WireSerializer)serializer;
            var manifest = wire.Manifest(value);
            var bytes = wire.ToBinary(value);
            Assert.DoesNotContain("$type", Encoding.UTF8.GetString(bytes));
            Assert.DoesNotContain("NasActors", Encoding.UTF8.GetString(bytes));
            var back = wire.FromBinary(bytes, manifest);
            Assert.IsType(type, back);
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(wire.ToBinary(back)));
        }
    }

    [Fact]
    public void An_admin_request_carries_its_command_by_manifest()
    {
        var wire = (WireSerializer)_system.Serialization.FindSerializerForType(typeof(AdminRequest));
        var request = new AdminRequest("token", new StartSearch("s1", "spec", 2));
        var back = (AdminRequest)wire.FromBinary(wire.ToBinary(request), wire.Manifest(request));
        Assert.Equal(request.Command, back.Command);
    }

    [Fact]
    public void A_message_without_a_wire_format_is_refused_rather_than_sent_as_JSON_naming_its_type()
    {
        // Akka's fallback binding (System.Object) leads to the refusing stand-in for its JSON serializer, under that id.
        var fallback = _system.Serialization.FindSerializerFor(new Unbound("x"));
        Assert.IsType<RefusedJsonSerializer>(fallback);
        Assert.Contains("has no wire format", Assert.Throws<SerializationException>(() => fallback.ToBinary(new Unbound("x"))).Message);
        var json = """{"$type":"System.IO.FileInfo, System.IO.FileSystem","FileName":"/tmp/x"}"""u8.ToArray();
        Assert.Throws<SerializationException>(() => _system.Serialization.Deserialize(json, RefusedJsonSerializer.Id, ""));
    }

    sealed record Unbound(string Value);

    [Fact]
    public void A_frame_naming_an_unknown_manifest_is_refused()
    {
        var wire = (WireSerializer)_system.Serialization.FindSerializerForType(typeof(ListNodes));
        var e = Assert.Throws<SerializationException>(() => wire.FromBinary("{}"u8.ToArray(), "System.Diagnostics.Process, System"));
        Assert.Contains("names no message", e.Message);
        // A known envelope cannot smuggle a type name in its embedded command either.
        var smuggled = """{"Token":"t","Command":{"Manifest":"System.IO.FileInfo, System.IO","Payload":{}}}"""u8.ToArray();
        Assert.Throws<SerializationException>(() => wire.FromBinary(smuggled, "admin-request"));
    }

    [Fact]
    public void A_failure_should_carry_its_cause_by_name_and_message_and_never_load_the_type_a_frame_names()
    {
        var serializer = _system.Serialization.FindSerializerFor(new Status.Failure(new InvalidOperationException("x")));
        var failures = Assert.IsType<FailureSerializer>(serializer);

        var sent = new Status.Failure(new InvalidOperationException("the journal is down"));
        var back = (Status.Failure)failures.FromBinary(failures.ToBinary(sent), failures.Manifest(sent));
        var cause = Assert.IsType<RemoteFailureException>(back.Cause);
        Assert.Equal(("System.InvalidOperationException", "System.InvalidOperationException on another node: the journal is down"), (cause.RemoteType, cause.Message));
        // Passed on again, it keeps the type it was raised as.
        var again = (RemoteFailureException)((Status.Failure)failures.FromBinary(failures.ToBinary(back), "failure")).Cause;
        Assert.Equal(("System.InvalidOperationException", cause.Message), (again.RemoteType, again.Message));
        // A frame naming any type builds the same harmless exception.
        var forged = (Status.Failure)failures.FromBinary("""{"Type":"System.Diagnostics.Process, System","Message":"m"}"""u8.ToArray(), "failure");
        Assert.Equal("System.Diagnostics.Process, System", Assert.IsType<RemoteFailureException>(forged.Cause).RemoteType);
        Assert.Throws<SerializationException>(() => failures.FromBinary("not json"u8.ToArray(), "failure"));
        Assert.Throws<SerializationException>(() => failures.FromBinary("{}"u8.ToArray(), "exception"));
    }

    static object Sample(Type type, IActorRef actor)
    {
        if (type == typeof(string)) return "x";
        if (type == typeof(int)) return 1;
        if (type == typeof(long)) return 2L;
        if (type == typeof(double)) return 0.5;
        if (type == typeof(bool)) return true;
        if (type == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
        if (type == typeof(IActorRef)) return actor;
        if (type == typeof(object)) return ListNodes.Instance;
        if (type.IsEnum) return Enum.GetValues(type).GetValue(0)!;
        if (Nullable.GetUnderlyingType(type) is { } inner) return Sample(inner, actor);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = type.GetGenericArguments()[0];
            var array = Array.CreateInstance(element, 1);
            array.SetValue(Sample(element, actor), 0);
            return array;
        }
        if (type.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static) is { } instance) return instance.GetValue(null)!;
        if (type.GetField("Instance", BindingFlags.Public | BindingFlags.Static) is { } field) return field.GetValue(null)!;
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke([.. constructor.GetParameters().Select(p => Sample(p.ParameterType, actor))]);
    }
}
