using System.Net;
using System.Net.Sockets;
using NasActors.Search;

namespace NasActors.Cli;

/// <summary>Ports on 127.0.0.1, probed by listening on them: a local cluster's nodes, the dashboard.</summary>
public static class LoopbackPorts
{
    /// <summary>A block of consecutive free loopback ports: the nodes take base, base+1, ...; PostgreSQL the last.</summary>
    public static int[] FreeBlock(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = Random.Shared.Next(20_000, 45_000);
            var ports = Enumerable.Range(first, count).ToArray();
            if (ports.All(port => IsFree(port))) return ports;
        }
        throw new NasException($"found no {count} consecutive free loopback ports");
    }

    /// <summary>Nothing listens on <paramref name="address"/> (default 127.0.0.1):<paramref name="port"/> now.</summary>
    public static bool IsFree(int port, IPAddress? address = null)
    {
        try
        {
            var listener = new TcpListener(address ?? IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
