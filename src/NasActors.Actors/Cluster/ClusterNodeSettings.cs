using System.Net;
using System.Net.Sockets;
using NasActors.Actors.Persistence;
using NasActors.Torch.Runtime;

namespace NasActors.Actors.Cluster;

/// <summary>What a cluster node runs: its roles, where it listens, which seed nodes it joins, its devices (trainer),
/// evaluators (evaluator), the shared checkpoint folder, the journal (coordinator), the admin token, and the cluster's
/// certificate when remoting runs over TLS (null: plain TCP), and the coordinator's TensorBoard folder for every search
/// (trainers write their event files under it too, as they do checkpoints: a folder every node reaches).</summary>
public sealed record ClusterNodeSettings(
    IReadOnlyList<string> Roles, string Hostname, int Port, IReadOnlyList<NodeAddress> SeedNodes, IReadOnlyList<string> Devices,
    int Evaluators, string CheckpointDirectory, JournalSettings Journal, string AdminToken, string LogLevel = "WARNING",
    ClusterCertificate? Certificate = null, string? TensorBoard = null)
{
    public const string CoordinatorRole = "coordinator";
    public const string TrainerRole = "trainer";
    public const string EvaluatorRole = "evaluator";
    public static readonly IReadOnlyList<string> KnownRoles = [CoordinatorRole, TrainerRole, EvaluatorRole];

    public bool Has(string role) => Roles.Contains(role);

    /// <summary>Evaluators score on the node's first device: with one node per GPU, that node's GPU.</summary>
    public string EvaluatorDevice => Devices.Count > 0 ? Devices[0] : "cpu";

    /// <summary>Roles from <c>coordinator,trainer,evaluator</c>, each checked.</summary>
    public static IReadOnlyList<string> ParseRoles(string text)
    {
        var roles = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
        if (roles.Length == 0) throw new NasException("--roles is empty: give one or more of coordinator, trainer, evaluator (e.g. --roles trainer,evaluator)");
        foreach (var role in roles)
            if (!KnownRoles.Contains(role))
                throw new NasException($"unknown role '{role}': the roles are coordinator, trainer and evaluator (e.g. --roles trainer,evaluator)");
        return roles;
    }

    /// <summary>Everything that would stop the node from joining, checked before it tries: the port is free, the
    /// devices exist, there is a seed to join, the journal connects.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Hostname)) throw new NasException("--hostname is empty: give the address other nodes reach this one at (default 127.0.0.1)");
        if (Port is < 0 or > 65535) throw new NasException($"port {Port} is out of range: give --port from 1 to 65535 (0: any free port)");
        if (SeedNodes.Count == 0 && !Has(CoordinatorRole))
            throw new NasException("a trainer or evaluator node needs the coordinator's address: pass --seed-nodes HOST:PORT (e.g. 127.0.0.1:4053)");
        if (Has(TrainerRole))
        {
            if (Devices.Count == 0) throw new NasException("a trainer node needs a device: pass --device cpu (or cuda:N)");
            foreach (var device in Devices) TorchRuntime.ResolveDevice(device);
        }
        if (Has(EvaluatorRole))
        {
            if (Evaluators < 1) throw new NasException($"--evaluators must be at least 1 on an evaluator node, got {Evaluators}");
            TorchRuntime.ResolveDevice(EvaluatorDevice);
        }
        CheckPortFree();
        if (Has(CoordinatorRole)) Journal.CheckConnects();
    }

    void CheckPortFree()
    {
        if (Port == 0) return;
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(Hostname, out var parsed) ? parsed : Dns.GetHostAddresses(Hostname).First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new NasException($"--hostname '{Hostname}' does not resolve to an address of this machine: {e.Message}");
        }
        var listener = new TcpListener(address, Port);
        try
        {
            listener.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new NasException($"port {Port} on {Hostname} is in use (another node?): pick another --port");
        }
        catch (SocketException e)
        {
            throw new NasException($"cannot listen on {Hostname}:{Port}: {e.Message}; check --hostname and --port");
        }
        finally
        {
            listener.Stop();
        }
    }
}
