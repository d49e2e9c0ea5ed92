using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using NasActors.Actors.Cluster;
using NasActors.Actors.Protocol;
using NasActors.Actors.Serialization;

namespace NasActors.Cli.Tests;

/// <summary>Who may talk to a node, with real <c>nas node</c> processes on loopback: over TLS only holders of the
/// cluster's certificate join; and whatever the transport, a frame that names an unknown manifest, or a CLR type for
/// Akka's JSON serializer, is dropped and logged while the node keeps working.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTlsTests : IDisposable
{
    const string Token = "tls-test-token";

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_node_without_the_cluster_certificate_should_never_join_and_the_seed_should_stay_healthy()
    {
        var clusterPfx = _temp.File("cluster.pfx");
        var otherPfx = _temp.File("other.pfx");
        ClusterCertificate.CreateSelfSigned(clusterPfx);
        ClusterCertificate.CreateSelfSigned(otherPfx);  // same subject, another key: only the pin tells them apart
        var ports = LoopbackPorts.FreeBlock(4);
        await using var seed = await RunningNode.StartAsync(CoordinatorArguments(ports[0], "--certificate", clusterPfx));
        await using var member = await RunningNode.StartAsync(EvaluatorArguments(ports[1], ports[0], "--certificate", clusterPfx));
        await using var admin = await ClusterAdminClient.ConnectAsync(new NodeAddress("127.0.0.1", ports[0]), Token, TimeSpan.FromSeconds(10),
                                                                      ClusterCertificate.Load(clusterPfx));
        Assert.Equal([ports[0], ports[1]], await MemberPortsAsync(admin));

        var plain = NasProcess.RunAsync(TimeSpan.FromSeconds(90), EvaluatorArguments(ports[2], ports[0]));
        var stranger = NasProcess.RunAsync(TimeSpan.FromSeconds(90), EvaluatorArguments(ports[3], ports[0], "--certificate", otherPfx));
        // Until both give up (their 30 s join timeout), the membership is polled: neither may appear in it, even briefly.
        while (!plain.IsCompleted || !stranger.IsCompleted)
        {
            Assert.Equal([ports[0], ports[1]], await MemberPortsAsync(admin));
            await Task.Delay(500);
        }
        foreach (var run in new[] { await plain, await stranger })
        {
            Assert.True(run.ExitCode == 2, $"a node without the cluster's certificate must fail to join\n{run}");
            Assert.Contains(run.ErrorLines, l => l.Contains("could not join the cluster", StringComparison.Ordinal));
        }
        // The stranger's own validator refuses the seed's certificate, which is not the one it pins.
        Assert.Contains("TLS peer", (await stranger).Stdout);
        Assert.Contains("refused", (await stranger).Stdout);

        Assert.Equal([ports[0], ports[1]], await MemberPortsAsync(admin));
        Assert.True(seed.IsRunning && member.IsRunning, $"the seed and its member must survive the attempts\n{seed.Output}\n{member.Output}");
        // A console with another certificate is told so at once, by the handshake of its probe.
        var console = await NasProcess.RunAsync(["nodes", "--connect", $"127.0.0.1:{ports[0]}", "--token", Token, "--certificate", otherPfx]);
        NasAssert.UsageError(console, $"127.0.0.1:{ports[0]}", "does not hold this cluster's certificate");
    }

    [Fact]
    public async Task A_frame_naming_an_unknown_manifest_or_a_CLR_type_should_be_dropped_and_logged_and_the_node_should_keep_working()
    {
        var port = LoopbackPorts.FreeBlock(1)[0];
        await using var node = await RunningNode.StartAsync(CoordinatorArguments(port));
        using var forger = ActorSystem.Create("forger", ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = ERROR
              stdout-loglevel = ERROR
              actor.provider = remote
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
              actor.serializers.forged = "{{typeof(ForgedWireSerializer).AssemblyQualifiedName}}"
              actor.serialization-bindings { "{{typeof(ForgedWireMessage).AssemblyQualifiedName}}" = forged }
            }
            """));
        var proxyPath = $"{new NodeAddress("127.0.0.1", port).AkkaAddress(tls: false)}{ClusterNode.ProxyPath}";
        var proxy = (await forger.ActorSelection(proxyPath).Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(10))).Subject;
        Assert.NotNull(proxy);

        // The wire serializer's id with a manifest it does not know; and no binding at all, which the forger's Akka
        // sends with its JSON serializer and the CLR type's name in "$type".
        proxy.Tell(new ForgedWireMessage());
        proxy.Tell(new UnboundMessage("/tmp/anything"));

        await node.WaitForOutputAsync("wire manifest 'no-such-message' names no message");
        await node.WaitForOutputAsync("a frame for serializer 1 (JSON naming CLR types) is refused");
        // Still there: the association answers, and the coordinator answers admin commands.
        Assert.NotNull((await forger.ActorSelection(proxyPath).Ask<ActorIdentity>(new Identify(2), TimeSpan.FromSeconds(10))).Subject);
        await using var admin = await ClusterAdminClient.ConnectAsync(new NodeAddress("127.0.0.1", port), Token, TimeSpan.FromSeconds(10));
        Assert.Equal([port], await MemberPortsAsync(admin));
        Assert.True(node.IsRunning, node.Output);
        // A console that expects TLS of this plain node says so instead of waiting for an answer.
        ClusterCertificate.CreateSelfSigned(_temp.File("cluster.pfx"));
        var console = await NasProcess.RunAsync(["nodes", "--connect", $"127.0.0.1:{port}", "--token", Token, "--certificate", _temp.File("cluster.pfx")]);
        NasAssert.UsageError(console, "completed no TLS handshake", "leave out --certificate");
    }

    string[] CoordinatorArguments(int port, params string[] extra) =>
        ["node", "--roles", "coordinator", "--port", $"{port}", "--state-dir", _temp.File($"node-{port}"), "--token", Token, "--dashboard-port", "0", .. extra];

    string[] EvaluatorArguments(int port, int seedPort, params string[] extra) =>
        ["node", "--roles", "evaluator", "--evaluators", "1", "--port", $"{port}", "--seed-nodes", $"127.0.0.1:{seedPort}",
         "--state-dir", _temp.File($"node-{port}"), .. extra];

    static async Task<int[]> MemberPortsAsync(ClusterAdminClient admin) =>
        (await admin.AskAsync<NodeList>(ListNodes.Instance)).Members.Select(m => Address.Parse(m.Address).Port!.Value).Order().ToArray();

    /// <summary>Bound to the wire serializer's id under a manifest no NasActors version carries.</summary>
    public sealed record ForgedWireMessage;

    /// <summary>A message with no serializer binding.</summary>
    public sealed record UnboundMessage(string Path);

    /// <summary>Writes frames as <see cref="WireSerializer"/> would, but under a manifest outside WireFormats.</summary>
    public sealed class ForgedWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        public override int Identifier => WireSerializer.Id;

        public override string Manifest(object o) => "no-such-message";

        public override byte[] ToBinary(object obj) => "{}"u8.ToArray();

        public override object FromBinary(byte[] bytes, string manifest) => throw new SerializationException("the forger only sends");
    }

    /// <summary>A <c>nas node</c> process whose output is collected as it comes (a node blocks once a full pipe is left unread).</summary>
    sealed class RunningNode : IAsyncDisposable
    {
        readonly Process _process;
        readonly ConcurrentQueue<string> _lines = new();

        RunningNode(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Output => string.Join('\n', _lines);

        public bool IsRunning => !_process.HasExited;

        /// <summary>Starts the node and waits until it has joined (its " up (roles" line).</summary>
        public static async Task<RunningNode> StartAsync(string[] arguments)
        {
            var node = new RunningNode(Process.Start(NasProcess.StartInfo(arguments))!);
            node._process.StandardInput.Close();
            await node.WaitForOutputAsync(" up (roles");
            return node;
        }

        public async Task WaitForOutputAsync(string text)
        {
            var deadline = DateTime.UtcNow + NasProcess.DefaultTimeout;
            while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline && IsRunning, $"the node printed no line with '{text}' (running: {IsRunning})\n{Output}");
                await Task.Delay(100);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (IsRunning) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
