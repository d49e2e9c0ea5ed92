using NasActors.Actors.Cluster;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Cluster;
using NasActors.Cli.Commands;
using NasActors.Search;

namespace NasActors.Cli.Bench;

/// <summary>The chaos run's cluster target: the <c>nas cluster up</c> topology (PostgreSQL, a coordinator, trainer+evaluator
/// nodes on loopback) in a folder of its own. Each kill SIGKILLs a node drawn at random (every node once, in a shuffled
/// order, then again: the coordinator is among the first kills of every round), and the node is started again at once,
/// as an operator's restart policy would; a recovery kill hits the node started last, in its first moments. One node is
/// down at a time: two of three down at once would leave a minority that the split-brain resolver downs. Progress is
/// polled from the coordinator through the admin client.</summary>
internal sealed class ChaosCluster : IChaosTarget
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(20);

    readonly LocalCluster _cluster;
    readonly SearchSpec _spec;
    readonly ChaosProgress _progress;
    readonly int _trainers;
    readonly Random _random;
    readonly Queue<int> _victims = new();
    readonly CancellationTokenSource _stop = new();
    ClusterAdminClient? _admin;
    Task _polling = Task.CompletedTask;
    volatile IReadOnlyList<StrategyProgress>? _latest;
    volatile bool _completed;
    string _searchId = "";
    int _lastStarted = -1;

    public ChaosCluster(string stateDirectory, SearchSpec spec, ChaosProgress progress, int trainers, int seed)
    {
        var ports = LoopbackPorts.FreeBlock(trainers + 2);
        _cluster = new LocalCluster(stateDirectory, ports[0], ports[^1]);
        (_spec, _progress, _trainers) = (spec, progress, trainers);
        _random = new Random(seed ^ 0x5eed);
    }

    static string Program => Path.Combine(AppContext.BaseDirectory, "nas.dll");

    public ChaosJournal? JournalRows { get; private set; }

    string Checkpoints => Path.Combine(_cluster.StateDirectory, "checkpoints");

    public async Task<string> StartSearchAsync()
    {
        await _cluster.UpAsync(_trainers, Program, TextWriter.Null);
        await ConnectAsync();
        await ClusterBench.WaitForTrainersAsync(_admin!, _trainers);
        _searchId = (await _admin!.AskAsync<SearchCreated>(new CreateSearch(_spec.Text, _spec.Training.Threads))).SearchId;
        foreach (var strategy in _spec.Strategies)
            Directory.CreateDirectory(Path.GetDirectoryName(Actors.Training.CheckpointLayout.PathOf(Checkpoints, _searchId, strategy.Id, 0))!);
        JournalRows = new ChaosJournal(JournalSettings.FromPostgresUrl(_cluster.Postgres.Url), _searchId);
        _polling = Task.Run(PollAsync);
        return _searchId;
    }

    async Task ConnectAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
        _admin = await _cluster.ConnectAdminAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>The search's status every 0.1 s; an unanswered poll (the coordinator down or moving) keeps the last one.</summary>
    async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (_admin is { } admin)
                {
                    var status = await admin.AskAsync<SearchStatus>(new GetSearchStatus(_searchId));
                    _latest = status.Strategies.Select(StrategyProgress.Of).ToArray();
                    _completed = status.Phase == RunPhase.Completed;
                }
            }
            catch (NasException)
            {
                // unanswered: try again
            }
            catch (ObjectDisposedException)
            {
                // the client was replaced
            }
            try
            {
                await Task.Delay(Poll, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    int? Units() => _latest is { } latest ? _progress.UnitsOf(latest) : null;

    bool Failed => _latest?.Any(s => s.FailureReason is not null) == true;

    public async Task<KillReport?> KillAsync(PlannedKill planned, CancellationToken cancellation)
    {
        if (_completed || Failed) return null;
        var victim = planned.Moment == KillMoment.Recovery && _lastStarted >= 0 ? _lastStarted : NextVictim();
        var name = LocalCluster.NodeName(victim);
        var pid = _cluster.PidOf(name);
        void Kill() => LocalCluster.Kill(pid, LocalCluster.Signal.Kill);
        (KillMoment Hit, int Units)? fired;
        if (planned.Moment == KillMoment.Recovery)
        {
            // The node started last has just logged that it is up: it is joining, registering and recovering now.
            await Task.Delay(planned.Delay, cancellation);
            fired = (KillMoment.Recovery, Units() ?? 0);
            Kill();
        }
        else
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            limit.CancelAfter(RunLimit);
            fired = await ChaosTrigger.FireAsync(planned, Units, () => _latest is { } l && _progress.AllTrained(l), Path.Combine(Checkpoints, _searchId),
                                                 Kill, () => _completed || Failed || !LocalCluster.IsAlive(pid), limit.Token);
        }
        if (fired is null) return null;
        for (var i = 0; i < 200 && LocalCluster.IsAlive(pid); i++) await Task.Delay(25, cancellation);
        var halfWritten = Directory.EnumerateFiles(Checkpoints, $"*.{pid}.tmp", SearchOption.AllDirectories).Any();
        await _cluster.StartNodeAsync(victim, _trainers, Program);
        _lastStarted = victim;
        if (victim == 0) await ConnectAsync();
        await JournalRows!.ReadAsync();
        return new KillReport(planned, fired.Value.Hit, fired.Value.Units, name, halfWritten);
    }

    int NextVictim()
    {
        if (_victims.Count == 0)
        {
            var round = Enumerable.Range(0, _trainers + 1).ToArray();
            _random.Shuffle(round);
            foreach (var node in round) _victims.Enqueue(node);
        }
        return _victims.Dequeue();
    }

    public async Task FinishAsync(CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + RunLimit;
        while (!_completed && !Failed)
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"the cluster's search {_searchId} did not complete within {RunLimit.TotalMinutes:0} minutes; logs in {Path.Combine(_cluster.StateDirectory, "logs")}");
            await Task.Delay(Poll, cancellation);
        }
        await JournalRows!.ReadAsync();
    }

    public Task<SearchExport> ExportAsync() => _admin!.AskAsync<SearchExport>(new ExportSearch(_searchId));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        if (_admin is not null) await _admin.DisposeAsync();
        _cluster.Down(TextWriter.Null);
        _stop.Dispose();
    }
}
