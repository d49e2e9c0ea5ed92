using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace NasActors.Actors.Serialization;

/// <summary>Akka's serializer for the messages between nodes (bound in hocon/wire.conf): manifests from
/// <see cref="WireFormats"/>, JSON payloads. Unknown manifests and malformed payloads throw
/// <see cref="SerializationException"/>, which makes Akka.Remote drop the frame and log it.</summary>
public sealed class WireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Beside the journal's 1701; ids up to 100 are Akka's own.</summary>
    public const int Id = 1702;

    readonly JsonSerializerOptions _options = WireFormats.OptionsFor(system);

    public override int Identifier => Id;

    public override string Manifest(object o) => WireFormats.ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = WireFormats.TypeOf(manifest);
        try
        {
            return JsonSerializer.Deserialize(bytes, type, _options) ?? throw new SerializationException($"wire message {manifest} is null");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"wire message {manifest} is malformed: {e.Message}", e);
        }
    }
}
