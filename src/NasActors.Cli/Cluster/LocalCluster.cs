using System.Diagnostics;
using System.Runtime.InteropServices;
using NasActors.Actors.Cluster;
using NasActors.Search;

namespace NasActors.Cli.Cluster;

/// <summary>The compose file's topology as plain processes on this machine: PostgreSQL, one coordinator node and N
/// trainer+evaluator nodes on loopback, sharing one state folder (checkpoints, admin token, the cluster's certificate,
/// logs, pid files). Remoting runs over TLS with that certificate.</summary>
public sealed partial class LocalCluster
{
    /// <param name="dashboardPort">the coordinator's dashboard on 127.0.0.1 (0: any free port)</param>
    public LocalCluster(string stateDirectory, int basePort, int postgresPort, int dashboardPort = 0)
    {
        StateDirectory = Path.GetFullPath(stateDirectory);
        BasePort = basePort;
        DashboardPort = dashboardPort;
        Postgres = new LocalPostgres(Path.Combine(StateDirectory, "postgres"), postgresPort);
    }

    public string StateDirectory { get; }

    /// <summary>What the nodes' logs (under the state directory's logs/) hold: text, or json lines.</summary>
    public string LogFormat { get; init; } = "text";

    public int BasePort { get; }

    public int DashboardPort { get; }

    public LocalPostgres Postgres { get; }

    string Logs => Path.Combine(StateDirectory, "logs");

    public string Contact => $"127.0.0.1:{BasePort}";

    /// <summary>The cluster's self-signed certificate, which every node and console of this cluster holds.</summary>
    public string CertificatePath => Path.Combine(StateDirectory, ClusterCertificate.FileName);

    /// <summary>The certificate, for a console of this cluster.</summary>
    public ClusterCertificate Certificate()
    {
        MakeCertificate();
        return ClusterCertificate.Load(CertificatePath);
    }

    /// <summary>A console of this cluster: its contact node, admin token and certificate.</summary>
    public async Task<ClusterAdminClient> ConnectAdminAsync(TimeSpan? askTimeout = null)
    {
        var token = (await File.ReadAllTextAsync(Path.Combine(StateDirectory, Commands.AdminToken.FileName))).Trim();
        return await ClusterAdminClient.ConnectAsync(NodeAddress.Parse(Contact, "--connect"), token, askTimeout, Certificate());
    }

    /// <summary>Made the first time, then kept: a node restarted with another certificate would be refused.</summary>
    void MakeCertificate()
    {
        if (File.Exists(CertificatePath)) return;
        Directory.CreateDirectory(StateDirectory);
        ClusterCertificate.CreateSelfSigned(CertificatePath);
    }

    public static string NodeName(int index) => index == 0 ? "coordinator" : $"trainer-{index}";

    /// <summary>The arguments of <c>nas node</c> for node <paramref name="index"/> (0: the coordinator). A coordinator
    /// started while trainers run joins through them alone, so that a restarted coordinator always rejoins the cluster
    /// they kept: with itself among its seeds it would found a second cluster whenever they answered later than the
    /// seed-node timeout (as trainers starved of CPU do). With none running it founds the cluster.</summary>
    public string[] NodeArguments(int index, IEnumerable<int> runningTrainers)
    {
        var joinThrough = runningTrainers.DefaultIfEmpty(0);
        var seeds = string.Join(',', joinThrough.Select(i => $"127.0.0.1:{BasePort + i}"));
        return index == 0
            ? ["node", "--roles", "coordinator", "--port", $"{BasePort}", "--seed-nodes", seeds, "--state-dir", StateDirectory, "--certificate", CertificatePath,
               "--journal", Postgres.Url, "--poll", "5", "--log-level", "INFO", "--log-format", LogFormat, "--dashboard-port", $"{DashboardPort}"]
            : ["node", "--roles", "trainer,evaluator", "--device", "cpu", "--port", $"{BasePort + index}", "--seed-nodes", $"127.0.0.1:{BasePort}", "--state-dir", StateDirectory,
               "--certificate", CertificatePath, "--log-format", LogFormat];
    }

    /// <summary>Starts whatever of PostgreSQL and the nodes is not running (so it also restarts a node that died), each
    /// detached (they outlive this command), and waits until each has joined.</summary>
    public async Task UpAsync(int trainers, string program, TextWriter progress)
    {
        Directory.CreateDirectory(Logs);
        if (!Postgres.IsRunning)
        {
            progress.WriteLine($"starting PostgreSQL on 127.0.0.1:{Postgres.Port} ({Postgres.Folder})");
            await Postgres.StartAsync();
        }
        var running = RunningNodes().Select(n => n.Name).ToHashSet();
        for (var i = 0; i <= trainers; i++)
        {
            if (running.Contains(NodeName(i)))
            {
                progress.WriteLine($"{NodeName(i)} is already up (pid {PidOf(NodeName(i))})");
                continue;
            }
            await StartNodeAsync(i, trainers, program);
            progress.WriteLine($"{NodeName(i)} up on 127.0.0.1:{BasePort + i} (log {Path.Combine(Logs, NodeName(i) + ".log")})");
        }
    }

    /// <summary>Starts node <paramref name="index"/> detached and waits for its "up" line; a node that exits first fails with its log.</summary>
    public async Task<int> StartNodeAsync(int index, int trainers, string program)
    {
        var name = NodeName(index);
        var log = Path.Combine(Logs, name + ".log");
        Directory.CreateDirectory(Logs);
        MakeCertificate();
        File.AppendAllText(log, $"--- {DateTimeOffset.Now:O} starting\n");
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        // setsid: the node keeps running when this command (or its terminal) ends.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("setsid \"$@\" >> \"$NAS_NODE_LOG\" 2>&1 < /dev/null & echo $!");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(DotnetHost());
        start.ArgumentList.Add(program);
        var running = RunningNodes().Select(n => n.Name).ToHashSet();
        var runningTrainers = Enumerable.Range(1, trainers).Where(i => running.Contains(NodeName(i)));
        foreach (var argument in NodeArguments(index, runningTrainers)) start.ArgumentList.Add(argument);
        start.Environment["NAS_NODE_LOG"] = log;
        start.Environment["ONEDNN_MAX_CPU_ISA"] = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? "AVX2";
        using var shell = Process.Start(start) ?? throw new NasException("could not start /bin/sh");
        var pid = int.Parse((await shell.StandardOutput.ReadToEndAsync()).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await shell.WaitForExitAsync();
        await File.WriteAllTextAsync(PidFile(name), $"{pid}\n");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var offset = new FileInfo(log).Length;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            var text = await ReadFrom(log, offset);
            if (text.Contains(" up (roles", StringComparison.Ordinal)) return pid;
            if (!IsAlive(pid))
                throw new NasException($"{name} exited before it joined the cluster; its log ({log}) ends:\n{text.Trim()}");
        }
        throw new NasException($"{name} did not join the cluster within 90 s; see {log}");
    }

    /// <summary>The dotnet host that runs nas.dll (this process's, when it is one: a test host may not be).</summary>
    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";

    /// <summary>The coordinator's dashboard, as its log last announced it; null if it has not yet.</summary>
    public string? DashboardUrl() => Announced(NodeName(0), "dashboard: ");

    /// <summary>Node <paramref name="index"/>'s /metrics (its /healthz and /readyz beside it), as its log last announced
    /// it; null if it has not yet.</summary>
    public string? MetricsUrl(int index) => Announced(NodeName(index), "metrics: ")?.Split(' ')[0];

    string? Announced(string node, string prefix)
    {
        var log = Path.Combine(Logs, node + ".log");
        if (!File.Exists(log)) return null;
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Split('\n').LastOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].Trim();
    }

    /// <summary>Stops every node (SIGTERM: they leave the cluster; SIGKILL after 20 s) and PostgreSQL.</summary>
    public void Down(TextWriter progress)
    {
        var nodes = RunningNodes().ToArray();
        foreach (var node in nodes) Kill(node.Pid, Signal.Terminate);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (nodes.Any(n => IsAlive(n.Pid)) && DateTime.UtcNow < deadline) Thread.Sleep(200);
        foreach (var node in nodes)
        {
            if (IsAlive(node.Pid)) Kill(node.Pid, Signal.Kill);
            File.Delete(PidFile(node.Name));
            progress.WriteLine($"{node.Name} stopped");
        }
        if (Directory.Exists(Postgres.Folder) && Postgres.IsRunning)
        {
            Postgres.Stop();
            progress.WriteLine("PostgreSQL stopped");
        }
    }

    /// <summary>The nodes whose pid file names a live process.</summary>
    public IEnumerable<(string Name, int Pid)> RunningNodes()
    {
        if (!Directory.Exists(StateDirectory)) yield break;
        foreach (var file in Directory.GetFiles(StateDirectory, "*.pid").Order(StringComparer.Ordinal))
            if (int.TryParse(File.ReadAllText(file).Trim(), out var pid) && IsAlive(pid))
                yield return (Path.GetFileNameWithoutExtension(file), pid);
    }

    public int PidOf(string name) => int.Parse(File.ReadAllText(PidFile(name)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    string PidFile(string name) => Path.Combine(StateDirectory, name + ".pid");

    static async Task<string> ReadFrom(string path, long offset)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    public enum Signal { Kill = 9, Terminate = 15 }

    /// <summary>Sends a signal to a process (SIGKILL: it dies without any shutdown).</summary>
    public static void Kill(int pid, Signal signal) => _ = SendSignal(pid, (int)signal);

    /// <summary>Alive and not a zombie waiting for its parent.</summary>
    public static bool IsAlive(int pid)
    {
        if (SendSignal(pid, 0) != 0) return false;
        var status = $"/proc/{pid}/stat";
        try
        {
            var fields = File.ReadAllText(status);
            return fields[(fields.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
