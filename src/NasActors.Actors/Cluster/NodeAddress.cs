using System.Globalization;

namespace NasActors.Actors.Cluster;

/// <summary>A node's <c>HOST:PORT</c>, as flags and seed lists give it.</summary>
public sealed record NodeAddress(string Host, int Port)
{
    public const string SystemName = "nas";

    /// <summary>Parses <c>HOST:PORT</c>; <paramref name="what"/> names the flag or setting in the error.</summary>
    public static NodeAddress Parse(string text, string what)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535 || text[..colon].Any(c => char.IsWhiteSpace(c) || c is '/' or '@'))
            throw new NasException($"bad {what} address '{text}': expected HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4053");
        return new NodeAddress(text[..colon], port);
    }

    /// <summary>The Akka address of the node's actor system; its scheme says whether remoting runs over TLS.</summary>
    public string AkkaAddress(bool tls) => $"akka.{(tls ? "ssl." : "")}tcp://{SystemName}@{Host}:{Port}";

    public override string ToString() => $"{Host}:{Port}";
}
