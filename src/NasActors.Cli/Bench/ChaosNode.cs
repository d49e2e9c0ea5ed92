using System.Collections.Concurrent;
using System.Diagnostics;
using NasActors.Actors.Cluster;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Cli.Cluster;
using NasActors.Cli.Commands;
using NasActors.Search;

namespace NasActors.Cli.Bench;

/// <summary>The chaos run's embedded target: one search in a state folder of its own, run by <c>nas node --until-idle</c>
/// processes, one life after another. A life is killed at its planned moment (SIGKILL: no shutdown, no flush) and the
/// next one starts on the same folder and resumes the search; the last life runs it to the end.</summary>
internal sealed class ChaosNode(string stateDirectory, SearchSpec spec, ChaosProgress progress) : IChaosTarget
{
    /// <summary>How long one life may run: the whole search, uninterrupted, takes well under this.</summary>
    static readonly TimeSpan LifeLimit = TimeSpan.FromMinutes(15);

    string _searchId = "";

    public string Name => "node";

    string Checkpoints => Path.Combine(stateDirectory, "checkpoints");

    public JournalSettings Journal => JournalSettings.Sqlite(Path.Combine(stateDirectory, "journal.db"));

    public ChaosJournal? JournalRows { get; private set; }

    public async Task<string> StartSearchAsync()
    {
        await using (var admin = NasNode.StartAdmin(SearchCommands.Settings(stateDirectory, journal: null, trainers: 1)))
            _searchId = (await admin.AskAsync<SearchCreated>(new CreateSearch(spec.Text, spec.Training.Threads))).SearchId;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The watcher of checkpoint kills sees files in folders that exist when it starts.
        foreach (var strategy in spec.Strategies) Directory.CreateDirectory(CheckpointLayout(strategy.Id));
        JournalRows = new ChaosJournal(Journal, _searchId);
        return _searchId;
    }

    string CheckpointLayout(string strategy) => Path.GetDirectoryName(Actors.Training.CheckpointLayout.PathOf(Checkpoints, _searchId, strategy, 0))!;

    public async Task<KillReport?> KillAsync(PlannedKill planned, CancellationToken cancellation)
    {
        await using var life = Life.Start(stateDirectory);
        (KillMoment Hit, int Units)? fired;
        if (planned.Moment == KillMoment.Recovery)
        {
            await life.Started.WaitAsync(LifeLimit, cancellation);
            await Task.Delay(planned.Delay, cancellation);
            fired = life.HasExited ? null : (KillMoment.Recovery, life.Units(progress) ?? -1);
            if (fired is not null) life.Kill();
        }
        else
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            limit.CancelAfter(LifeLimit);
            fired = await ChaosTrigger.FireAsync(planned, () => life.Units(progress), () => life.AllTrained(progress), Path.Combine(Checkpoints, _searchId),
                                                 life.Kill, () => life.HasExited || life.Failure is not null, limit.Token);
        }
        await life.WaitForExitAsync();
        if (fired is null)
        {
            if (life.Failure is not null) return null;  // the comparison names the failure
            life.ThrowUnlessCompleted();
            return null;
        }
        await JournalRows!.ReadAsync();
        var halfWritten = Directory.EnumerateFiles(Checkpoints, $"*.{life.Pid}.tmp", SearchOption.AllDirectories).Any();
        return new KillReport(planned, fired.Value.Hit, fired.Value.Units, Name, halfWritten);
    }

    public async Task FinishAsync(CancellationToken cancellation)
    {
        await using var life = Life.Start(stateDirectory);
        await life.WaitForExitAsync().WaitAsync(LifeLimit, cancellation);
        life.ThrowUnlessCompleted();
        await JournalRows!.ReadAsync();
    }

    public async Task<SearchExport> ExportAsync()
    {
        try
        {
            await using var admin = NasNode.StartAdmin(SearchCommands.Settings(stateDirectory, journal: null, trainers: 1));
            return await admin.AskAsync<SearchExport>(new ExportSearch(_searchId));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>One <c>nas node</c> process on the state folder, its progress read from the reports it prints every 0.1 s.</summary>
    sealed class Life : IAsyncDisposable
    {
        readonly Process _process;
        readonly ConcurrentDictionary<string, StrategyProgress> _strategies = new(StringComparer.Ordinal);
        readonly ConcurrentQueue<string> _stderr = new();
        readonly Task _reading;
        readonly Task _readingErrors;
        readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        Life(Process process)
        {
            _process = process;
            _reading = Task.Run(ReadOutputAsync);
            _readingErrors = Task.Run(async () =>
            {
                while (await _process.StandardError.ReadLineAsync() is { } line)
                {
                    _stderr.Enqueue(line);
                    while (_stderr.Count > 40) _stderr.TryDequeue(out _);
                }
            });
        }

        public static Life Start(string stateDirectory)
        {
            var start = new ProcessStartInfo(LocalCluster.DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "nas.dll"), "node", "--state-dir", stateDirectory, "--until-idle", "--poll", "0.1"])
                start.ArgumentList.Add(argument);
            start.Environment["ONEDNN_MAX_CPU_ISA"] = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? "AVX2";
            var process = Process.Start(start) ?? throw new NasException("could not start a nas node process");
            process.StandardInput.Close();
            return new Life(process);
        }

        public int Pid => _process.Id;

        public Task Started => _started.Task;

        public bool HasExited => _process.HasExited;

        public string? Failure { get; private set; }

        public int? Units(ChaosProgress progress) => _strategies.IsEmpty ? null : progress.UnitsOf(_strategies.Values);

        public bool AllTrained(ChaosProgress progress) => progress.AllTrained(_strategies.Values);

        public void Kill() => LocalCluster.Kill(_process.Id, LocalCluster.Signal.Kill);

        async Task ReadOutputAsync()
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("node running on ", StringComparison.Ordinal)) _started.TrySetResult();
                if (ChaosProgress.ParseStatusLine(line) is not { } strategy) continue;
                _strategies[strategy.Strategy] = strategy;
                if (strategy.FailureReason is not null) Failure ??= $"strategy {strategy.Strategy} failed: {strategy.FailureReason}";
            }
            _started.TrySetResult();
        }

        public async Task WaitForExitAsync()
        {
            await _process.WaitForExitAsync();
            await Task.WhenAll(_reading, _readingErrors);
        }

        public void ThrowUnlessCompleted()
        {
            if (_process.ExitCode != 0)
                throw new InvalidOperationException($"a nas node exited with code {_process.ExitCode} instead of running the search to its end; it printed:\n{string.Join('\n', _stderr)}");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
