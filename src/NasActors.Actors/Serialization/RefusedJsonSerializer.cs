using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace NasActors.Actors.Serialization;

/// <summary>Stands in for Akka's default JSON serializer (hocon/wire.conf registers it as <c>json</c>, under the same
/// id): that one reads the CLR type to build from the payload (<c>$type</c>), so a peer could name any type. With this
/// one, a frame naming that serializer is refused (Akka drops it and logs why), and a message with no binding of its
/// own, which Akka would fall back to JSON for, fails to send instead of crossing the wire under its type name.</summary>
public sealed class RefusedJsonSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>Akka's NewtonSoftJsonSerializer's id: frames that name it reach this serializer.</summary>
    public const int Id = 1;

    /// <summary>Akka hands a serializer named <c>json</c> its <c>serialization-settings.json</c> (Newtonsoft's options),
    /// none of which applies here.</summary>
    public RefusedJsonSerializer(ExtendedActorSystem system, Akka.Configuration.Config settings) : this(system) { }

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"{obj.GetType().FullName} has no wire format, and JSON naming CLR types is refused: " +
                                         "add it to WireFormats.ByManifest and hocon/wire.conf");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new SerializationException($"a frame for serializer {Id} (JSON naming CLR types) is refused: nothing named on the wire is instantiated; frame dropped");
}
