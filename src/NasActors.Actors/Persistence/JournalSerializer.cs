using Akka.Actor;
using Akka.Serialization;

namespace NasActors.Actors.Persistence;

/// <summary>Akka's serializer for everything search runs and the search manager persist (bound in hocon/journal.conf):
/// short, versioned manifests from <see cref="JournalFormats"/> and JSON payloads. What is on disk never names a CLR type,
/// so a refactor that renames types or namespaces leaves every journal readable.</summary>
public sealed class JournalSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Stored in every journal row beside the manifest: never change it (ids up to 100 are Akka's own).</summary>
    public const int Id = 1701;

    public override int Identifier => Id;

    public override string Manifest(object o) => JournalFormats.Of(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => JournalFormats.Encode(obj);

    public override object FromBinary(byte[] bytes, string manifest) => JournalFormats.Decode(bytes, manifest);
}
