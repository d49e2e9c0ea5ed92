using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using Akka.Event;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Cluster;

/// <summary>Admin commands to a cluster from outside it (the console, <c>nas search ... --connect</c>): a small actor
/// system with a ClusterClient that reaches the coordinator singleton's proxy through a node's receptionist.</summary>
public sealed class ClusterAdminClient : IAdminChannel
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    readonly ActorSystem _system;
    readonly IActorRef _client;
    readonly NodeAddress _contact;
    readonly string _token;
    readonly TimeSpan _askTimeout;
    readonly ClusterCertificate? _certificate;

    ClusterAdminClient(ActorSystem system, IActorRef client, NodeAddress contact, string token, TimeSpan askTimeout, ClusterCertificate? certificate)
    {
        (_system, _client, _contact, _token, _askTimeout, _certificate) = (system, client, contact, token, askTimeout, certificate);
    }

    /// <summary>Checks that something listens at <paramref name="contact"/> (a clear error within seconds otherwise) and
    /// starts the client; a cluster over TLS needs its <paramref name="certificate"/>.</summary>
    public static async Task<ClusterAdminClient> ConnectAsync(NodeAddress contact, string token, TimeSpan? askTimeout = null, ClusterCertificate? certificate = null)
    {
        // The coordinator answers to this client's address, so the client listens on the interface that reaches the
        // coordinator (loopback, or a container network's address), not on one the coordinator cannot route to.
        string local;
        using (var probe = new TcpClient())
        {
            using var deadline = new CancellationTokenSource(ConnectTimeout);
            try
            {
                await probe.ConnectAsync(contact.Host, contact.Port, deadline.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                throw new NasException($"no NasActors node answers at {contact} ({(e is SocketException s ? s.Message : "timed out")}): " +
                                       $"start one with ./nas node --roles coordinator --port {contact.Port} (or ./nas cluster up), or fix --connect");
            }
            var localAddress = ((IPEndPoint)probe.Client.LocalEndPoint!).Address;
            local = (localAddress.IsIPv4MappedToIPv6 ? localAddress.MapToIPv4() : localAddress).ToString();
            // Over TLS the probe completes a handshake: a node that is not this cluster's is named within seconds (not
            // after an ask's timeout), and the node does not log an aborted handshake for every console.
            if (certificate is not null) await certificate.CheckPeerAsync(probe.GetStream(), contact.ToString(), deadline.Token);
        }
        var config = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = ERROR
              stdout-loglevel = ERROR
              log-dead-letters = off
              actor.provider = remote
              remote.dot-netty.tcp { hostname = "{{local}}", port = 0, maximum-frame-size = 4 MiB }
              remote.log-remote-lifecycle-events = off
            }
            """).WithFallback(ClusterClientReceptionist.DefaultConfig())
            // The search manager answers `search start` with SearchCreated, a persisted type: its serializer must be known here.
            .WithFallback(Persistence.JournalSettings.FormatConfig())
            .WithFallback(Serialization.WireFormats.Config())
            // ClusterClient wraps each command in pub-sub's Send: without pub-sub's serializer it would need Akka's JSON.
            .WithFallback(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.DefaultConfig());
        // The probe has checked the handshake already; one that Terminate cuts short as the command exits (ClusterClient
        // may be opening another connection) is not worth an error on the console's output.
        var system = ActorSystem.Create("nas-console", ClusterNode.RemotingSetup(config, certificate)
            .And(new LogFilterBuilder().ExcludeMessageContaining("TLS handshake failed").Build()));
        var settings = ClusterClientSettings.Create(system)
            .WithInitialContacts(ImmutableHashSet.Create(ActorPath.Parse($"{contact.AkkaAddress(tls: certificate is not null)}/system/receptionist")));
        var client = system.ActorOf(ClusterClient.Props(settings), "client");
        return new ClusterAdminClient(system, client, contact, token, askTimeout ?? TimeSpan.FromSeconds(30), certificate);
    }

    public async Task<T> AskAsync<T>(object command)
    {
        object reply;
        try
        {
            reply = await _client.Ask<object>(new ClusterClient.Send(ClusterNode.ProxyPath, new AdminRequest(_token, command), localAffinity: true), _askTimeout);
        }
        catch (AskTimeoutException)
        {
            throw new NasException($"the cluster at {_contact} did not answer {command.GetType().Name} within {_askTimeout.TotalSeconds:0} s: " +
                                   "is a coordinator node up? (the node at that address may not be a NasActors node" +
                                   (_certificate is null ? ", or its cluster runs over TLS: pass its --certificate)"
                                       : $", or its cluster does not run over TLS with {_certificate.Path})"));
        }
        return reply switch
        {
            T answer => answer,
            CommandRejected rejected => throw new NasException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {command.GetType().Name}"),
        };
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();
}
