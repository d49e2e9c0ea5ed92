using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace NasActors.Actors.Serialization;

/// <summary>A <see cref="Status.Failure"/> between nodes (hocon/wire.conf binds it here instead of Akka.Remote's
/// serializer, whose ExceptionSupport loads the CLR type a frame names and runs its deserialization constructor): the
/// cause travels as its type's name and its message, and arrives as a <see cref="RemoteFailureException"/> that carries
/// both. No type named on the wire is loaded.</summary>
public sealed class FailureSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 1703;

    const string FailureManifest = "failure";

    public override int Identifier => Id;

    sealed record WireFailure(string? Type, string? Message);

    public override string Manifest(object o) =>
        o is Status.Failure ? FailureManifest : throw new ArgumentException($"{o.GetType().FullName} is not a Status.Failure", nameof(o));

    public override byte[] ToBinary(object obj)
    {
        var failure = (Status.Failure)obj;
        // A remote failure passed on keeps the type it was raised as and its own message.
        var wire = failure.Cause is RemoteFailureException remote ? new WireFailure(remote.RemoteType, remote.RemoteMessage)
            : new WireFailure(failure.Cause?.GetType().FullName, failure.Cause?.Message);
        return JsonSerializer.SerializeToUtf8Bytes(wire);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != FailureManifest) throw new SerializationException($"failure manifest '{manifest}' is unknown: frame dropped");
        WireFailure failure;
        try
        {
            failure = JsonSerializer.Deserialize<WireFailure>(bytes) ?? throw new SerializationException("a failure frame is null");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"a failure frame is malformed: {e.Message}", e);
        }
        return new Status.Failure(new RemoteFailureException(failure.Type ?? "unknown", failure.Message ?? ""));
    }
}

/// <summary>An exception raised on another node: its type's name there (never loaded here) and its message.</summary>
public sealed class RemoteFailureException(string remoteType, string message) : Exception($"{remoteType} on another node: {message}")
{
    public string RemoteType { get; } = remoteType;

    /// <summary>The message as the other node raised it.</summary>
    public string RemoteMessage { get; } = message;
}
