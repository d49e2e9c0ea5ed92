using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Training;
using NasActors.Torch.Runtime;

namespace NasActors.Actors.Cluster;

/// <summary>One Akka.Cluster node with some of the roles: <c>coordinator</c> (hosts the <see cref="Coordinator"/>
/// singleton, so the search manager, the training queue and the evaluation supervisor, on the journal), <c>trainer</c>
/// (one <see cref="TrainerActor"/> per device) and <c>evaluator</c> (evaluator actors). Every node runs a proxy to the
/// singleton, registered with the cluster-client receptionist so that the console reaches it.</summary>
public sealed class ClusterNode : IAdminChannel
{
    public const string SingletonName = "coordinator";
    public const string ProxyName = "coordinator-proxy";
    public const string ProxyPath = "/user/" + ProxyName;

    readonly IDisposable _membersGauge;

    ClusterNode(ActorSystem system, IActorRef proxy, ClusterNodeSettings settings)
    {
        System = system;
        Proxy = proxy;
        Settings = settings;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var devices = new List<string>();
        if (settings.Has(ClusterNodeSettings.TrainerRole)) devices.AddRange(settings.Devices);
        if (settings.Has(ClusterNodeSettings.EvaluatorRole)) devices.Add(settings.EvaluatorDevice);
        // Coordinators share the journal: each probes under a persistence id of its own address.
        var probeId = settings.Has(ClusterNodeSettings.CoordinatorRole) ? $"readiness-probe-{cluster.SelfAddress.Host}:{cluster.SelfAddress.Port}" : null;
        Health = new NodeHealth(system, clusterMember: true, probeId, devices);
        _membersGauge = Telemetry.NasMetrics.ObserveMembers(() =>
            cluster.State.Members.GroupBy(m => m.Status.ToString().ToLowerInvariant()).Select(g => KeyValuePair.Create(g.Key, g.Count())));
    }

    public ActorSystem System { get; }

    /// <summary>The way to the coordinator singleton, wherever it runs.</summary>
    public IActorRef Proxy { get; }

    public ClusterNodeSettings Settings { get; }

    /// <summary>Alive and ready (an Up member; journal and devices where it has them) as /healthz and /readyz report it.</summary>
    public NodeHealth Health { get; }

    public Akka.Actor.Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>Checks the settings, starts the node and waits until it is a member of the cluster.</summary>
    public static async Task<ClusterNode> StartAsync(ClusterNodeSettings settings, TimeSpan joinTimeout)
    {
        settings.Validate();
        var system = ActorSystem.Create(NodeAddress.SystemName, RemotingSetup(Config(settings), settings.Certificate));
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (await Task.WhenAny(up.Task, Task.Delay(joinTimeout)) != up.Task)
        {
            await system.Terminate();
            throw new NasException($"could not join the cluster through {string.Join(", ", settings.SeedNodes)} within {joinTimeout.TotalSeconds:0} s: " +
                                   "is a coordinator running there? (./nas node --roles coordinator --port PORT)");
        }

        if (settings.Has(ClusterNodeSettings.CoordinatorRole))
            system.ActorOf(ClusterSingletonManager.Props(Coordinator.Props(settings.AdminToken, settings.TensorBoard), PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(ClusterNodeSettings.CoordinatorRole)), SingletonName);
        var proxy = system.ActorOf(ClusterSingletonProxy.Props($"/user/{SingletonName}",
            ClusterSingletonProxySettings.Create(system).WithRole(ClusterNodeSettings.CoordinatorRole)), ProxyName);
        ClusterClientReceptionist.Get(system).RegisterService(proxy);

        var self = cluster.SelfAddress.ToString();
        if (settings.Has(ClusterNodeSettings.TrainerRole) || settings.Has(ClusterNodeSettings.EvaluatorRole))
            TorchRuntime.PrepareForConcurrentUse();  // trainers and evaluators share this process's threads
        if (settings.Has(ClusterNodeSettings.TrainerRole))
            foreach (var (device, index) in settings.Devices.Select((d, i) => (d, i)))
                system.ActorOf(TrainerActor.Props(device, settings.CheckpointDirectory, proxy, self), $"trainer-{index}-{device.Replace(':', '-')}");
        if (settings.Has(ClusterNodeSettings.EvaluatorRole))
            for (var i = 0; i < settings.Evaluators; i++)
                system.ActorOf(EvaluatorActor.Props(new SupernetChildEvaluator(settings.EvaluatorDevice), proxy, self), $"evaluator-{i}");
        return new ClusterNode(system, proxy, settings);
    }

    static Config Config(ClusterNodeSettings settings)
    {
        static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var seeds = settings.SeedNodes.Count > 0
            ? settings.SeedNodes.Select(s => s.AkkaAddress(tls: settings.Certificate is not null))
            : [new NodeAddress(settings.Hostname, settings.Port).AkkaAddress(tls: settings.Certificate is not null)];  // a lone coordinator founds the cluster
        var node = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = {{settings.LogLevel}}
              stdout-loglevel = {{settings.LogLevel}}
              remote.dot-netty.tcp { hostname = {{Quote(settings.Hostname)}}, port = {{settings.Port}} }
              cluster {
                roles = [{{string.Join(", ", settings.Roles.Select(Quote))}}]
                seed-nodes = [{{string.Join(", ", seeds.Select(Quote))}}]
              }
            }
            """);
        var cluster = ConfigurationFactory.ParseString(File.ReadAllText(JournalSettings.HoconFile("cluster.conf")));
        return Telemetry.NodeLogging.AkkaConfig().WithFallback(node)
            .WithFallback(cluster)
            .WithFallback(Serialization.WireFormats.Config())
            .WithFallback(settings.Journal.ToConfig())
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            // The receptionist's pub-sub serializer known from the start: other nodes' mediators gossip to this one
            // before its own receptionist has started.
            .WithFallback(DistributedPubSub.DefaultConfig());
    }

    /// <summary>An actor system's setup: <paramref name="config"/>, and over TLS the cluster's certificate (which only
    /// a setup can carry together with the validator that pins it).</summary>
    internal static ActorSystemSetup RemotingSetup(Config config, ClusterCertificate? certificate)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(certificate is null ? config : ClusterCertificate.RemotingConfig().WithFallback(config));
        return certificate is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, certificate.Setup());
    }

    /// <summary>The admin token from configuration: <c>nas.admin.token</c> in hocon/cluster.conf or <paramref name="configFile"/>.</summary>
    public static string ConfiguredToken(string? configFile) => NasSettings(configFile).GetString("nas.admin.token", "") ?? "";

    /// <summary>The dashboard's port from configuration: <c>nas.dashboard.port</c> in hocon/cluster.conf or <paramref name="configFile"/>.</summary>
    public static int ConfiguredDashboardPort(string? configFile) => NasSettings(configFile).GetInt("nas.dashboard.port", 8050);

    /// <summary>The cluster's certificate: <paramref name="path"/> and <paramref name="passwordFile"/> when given, else
    /// <c>nas.tls</c> in hocon/cluster.conf or <paramref name="configFile"/>; null when none is set (plain TCP).</summary>
    public static ClusterCertificate? ConfiguredCertificate(string? path, string? passwordFile, string? configFile)
    {
        static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
        var config = NasSettings(configFile);
        return (Given(path) ?? Given(config.GetString("nas.tls.certificate", ""))) is { } certificate
            ? ClusterCertificate.Load(certificate, Given(passwordFile) ?? Given(config.GetString("nas.tls.password-file", "")))
            : null;
    }

    /// <summary>hocon/cluster.conf, with <paramref name="configFile"/> (if any) read over it.</summary>
    static Config NasSettings(string? configFile)
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(JournalSettings.HoconFile("cluster.conf")));
        return configFile is null ? config : ConfigurationFactory.ParseString(File.ReadAllText(configFile)).WithFallback(config);
    }

    /// <summary>Asks the coordinator with the node's own token (the dashboard's way in), waiting up to 10 s.</summary>
    public Task<T> AskAsync<T>(object command) => AskAsync<T>(command, TimeSpan.FromSeconds(10));

    /// <summary>Asks the coordinator, as the console would (with the token), and waits for the reply.</summary>
    public async Task<T> AskAsync<T>(object command, TimeSpan timeout)
    {
        var reply = await Proxy.Ask<object>(new AdminRequest(Settings.AdminToken, command), timeout);
        return reply switch
        {
            T answer => answer,
            CommandRejected rejected => throw new NasException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {command.GetType().Name}"),
        };
    }

    /// <summary>Leaves the cluster gracefully (the singleton hands over) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _membersGauge.Dispose();
        var cluster = Akka.Cluster.Cluster.Get(System);
        try
        {
            await cluster.LeaveAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TaskCanceledException)
        {
            // leaving timed out: stop anyway; the others down this node
        }
        await System.Terminate();
    }
}
