using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace NasActors.Cli.Tests;

/// <summary>Committed journals of tiny searches (tests/NasActors.Cli.Tests/Golden/CASE/): the SQLite journal, the
/// ground-truth table its spec names (by a relative path, so that it resolves wherever the case is copied), the search
/// id, and what <c>nas search status</c>, <c>top</c> and <c>export</c> answered from it when it was made. A later
/// version must answer the same from the same file: a change that breaks old journals fails CI.</summary>
/// <remarks>To remake the cases of this version (a few minutes; the old ones stay, they are the point):
/// <c>NAS_REGENERATE_GOLDEN=v1 dotnet test tests/NasActors.Cli.Tests -c Release --filter GoldenJournalGenerator</c>.
/// The prefix names the journal format that wrote the cases (v1: the manifest serializer); bump it when the format
/// changes and keep the older folders. The <c>legacy-*</c> cases were made by commit 3e93b7c, the last version that
/// journaled with Akka's default JSON serializer (CLR type names on disk); this version cannot remake them.
/// A deliberate change to what status, top or export print (not to the journal) refreshes every case's expected outputs
/// from its committed journal with <c>NAS_REGENERATE_GOLDEN=outputs</c>: the diff must show only that change.</remarks>
public static class GoldenJournals
{
    public const string Finished = "finished";
    public const string Interrupted = "interrupted";

    /// <summary>The Golden folder in the source tree (found from the test binaries by walking up to NasActors.sln).</summary>
    public static string Folder
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln")))
                    return Path.Combine(directory.FullName, "tests", "NasActors.Cli.Tests", "Golden");
            throw new InvalidOperationException($"no NasActors.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Every committed case, by folder name.</summary>
    public static IEnumerable<string> Cases() =>
        Directory.Exists(Folder) ? Directory.GetDirectories(Folder).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal) : [];

    /// <summary>What a fresh process recovers from a copy of the case's journal (the committed file is never opened for
    /// writing): status text, leaderboard text and the export, in the committed files' names.</summary>
    public static async Task<Dictionary<string, string>> RecoverAsync(string caseFolder, TempDirectory temp)
    {
        var id = (await File.ReadAllTextAsync(Path.Combine(caseFolder, "id.txt"))).Trim();
        var commands = new (string File, string[] Arguments)[]
        {
            ("status.txt", ["search", "status", id]),
            ("top.txt", ["search", "top", id, "--k", "5"]),
            ("export.json", ["search", "export", id, "--out", "export.json"]),
        };
        // One copy per command: each process locks its state directory.
        var runs = commands.Select(async (command, index) =>
        {
            var work = Directory.CreateDirectory(temp.File($"recover-{Path.GetFileName(caseFolder)}-{index}")).FullName;
            File.Copy(Path.Combine(caseFolder, "journal.db"), Path.Combine(work, "journal.db"));
            File.Copy(Path.Combine(caseFolder, "truth.csv"), Path.Combine(work, "truth.csv"));
            var run = await RunAsync(work, [.. command.Arguments, "--state-dir", "."]);
            NasAssert.Succeeded(run);
            return (command.File, Text: command.File == "export.json" ? await File.ReadAllTextAsync(Path.Combine(work, "export.json")) : run.Stdout);
        }).ToArray();
        return (await Task.WhenAll(runs)).ToDictionary(r => r.File, r => Normalize(r.Text));
    }

    public static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd() + "\n";

    /// <summary>Runs <c>nas</c> in <paramref name="directory"/> (relative paths in specs resolve there).</summary>
    public static async Task<NasRun> RunAsync(string directory, string[] arguments, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = NasProcess.StartInfo(arguments);
        start.WorkingDirectory = directory;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? NasProcess.DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"nas {string.Join(' ', arguments)} did not finish in time\n{await stdout}\n{await stderr}");
        }
        return new NasRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The tiny search of the cases, with paths relative to the folder it runs in.</summary>
    public static string Spec(int steps, int checkpointEvery) => $$"""
        search {
          name = golden
          data { dataset = fashion-mnist, data-dir = "data", image-size = 8, validation-size = 100, evaluation-images = 100 }
          supernet { channels = 2, cells = 1 }
          training { steps = {{steps}}, batch-size = 32, checkpoint-every = {{checkpointEvery}}, threads = 1 }
          strategies {
            a { sampler = uniform, seed = 1 }
            b { sampler = uniform, seed = 2 }
          }
          evolution { population = 2, sample-size = 1, budget = 4 }
          ground-truth = "truth.csv"
        }
        """;

    /// <summary>Runs a tiny search in a scratch folder and stores it as case <paramref name="name"/>: to the end, or
    /// killed (SIGKILL) once its first checkpoint is committed. <paramref name="snapshotEvery"/>: the run's snapshot
    /// interval (so that a small finished case holds a snapshot and the events after it).</summary>
    public static async Task MakeAsync(string name, bool interrupt, int? snapshotEvery)
    {
        using var temp = new TempDirectory();
        var work = temp.Path;
        FakeFashionMnist.Write(Directory.CreateDirectory(temp.File("data")).FullName);
        var rows = new[]
        {
            ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 0.91),
            ("|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|", 0.88),
            ("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|", 0.70),
        };
        await File.WriteAllLinesAsync(temp.File("truth.csv"), ["arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images",
            .. rows.SelectMany(r => new[] { 1, 2 }.Select(seed => $"{r.Item1},{seed},1,{r.Item2},{r.Item2},1,1,1,2,1,8,300"))]);
        await File.WriteAllTextAsync(temp.File("golden.conf"), interrupt ? Spec(400, 100) : Spec(10, 5));
        var environment = snapshotEvery is { } every ? new Dictionary<string, string> { ["NAS_SNAPSHOT_EVERY"] = every.ToString() } : null;

        var start = await RunAsync(work, ["search", "start", "--spec", "golden.conf", "--state-dir", "state"], environment: environment);
        NasAssert.Succeeded(start);
        var id = start.StdoutLines.Single();
        if (interrupt)
        {
            var info = NasProcess.StartInfo(["node", "--state-dir", "state", "--poll", "0.1"]);
            info.WorkingDirectory = work;
            foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
            using var node = Process.Start(info)!;
            try
            {
                await NasProcess.WaitForLineAsync(node, "step [1-3]00/400");
            }
            finally
            {
                node.Kill(entireProcessTree: true);  // SIGKILL, mid-training
                await node.WaitForExitAsync();
            }
            // An admin process opens and closes the journal: SQLite folds its write-ahead log into the file.
            NasAssert.Succeeded(await RunAsync(work, ["search", "status", id, "--state-dir", "state"]));
        }
        else
        {
            NasAssert.Succeeded(await RunAsync(work, ["node", "--state-dir", "state", "--until-idle", "--poll", "0.3"], TimeSpan.FromMinutes(3), environment));
        }

        var folder = Path.Combine(Folder, name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        SqliteConnection.ClearAllPools();
        // VACUUM INTO: one compact file without the write-ahead log, whatever journal mode the plugin used.
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(work, "state", "journal.db"), Pooling = false }.ConnectionString))
        {
            connection.Open();
            using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM INTO $file";
            vacuum.Parameters.AddWithValue("$file", Path.Combine(folder, "journal.db"));
            vacuum.ExecuteNonQuery();
        }
        File.Copy(temp.File("truth.csv"), Path.Combine(folder, "truth.csv"));
        await File.WriteAllTextAsync(Path.Combine(folder, "id.txt"), id + "\n");
        using var recoverTemp = new TempDirectory();
        foreach (var (file, text) in await RecoverAsync(folder, recoverTemp))
            await File.WriteAllTextAsync(Path.Combine(folder, file), text);
    }
}

/// <summary>A fact run only by hand, with NAS_REGENERATE_GOLDEN set to the prefix of the cases to (re)make.</summary>
public sealed class RegenerateGoldenFactAttribute : FactAttribute
{
    public RegenerateGoldenFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NAS_REGENERATE_GOLDEN")))
            Skip = "remakes the committed golden journals: run by hand with NAS_REGENERATE_GOLDEN=PREFIX (see GoldenJournals)";
    }
}

/// <summary>Remakes the golden journals of the prefix named by NAS_REGENERATE_GOLDEN (see <see cref="GoldenJournals"/>).</summary>
public sealed class GoldenJournalGenerator
{
    [RegenerateGoldenFact]
    public async Task Regenerate_the_golden_journals()
    {
        var prefix = Environment.GetEnvironmentVariable("NAS_REGENERATE_GOLDEN")!;
        if (prefix == "outputs")
        {
            using var temp = new TempDirectory();
            foreach (var name in GoldenJournals.Cases())
                foreach (var (file, text) in await GoldenJournals.RecoverAsync(Path.Combine(GoldenJournals.Folder, name), temp))
                    await File.WriteAllTextAsync(Path.Combine(GoldenJournals.Folder, name, file), text);
            return;
        }
        // The finished case snapshots every 10 events, so that it holds a snapshot and a tail; the interrupted one keeps
        // the default interval and therefore every event.
        await GoldenJournals.MakeAsync($"{prefix}-{GoldenJournals.Finished}", interrupt: false, snapshotEvery: 10);
        await GoldenJournals.MakeAsync($"{prefix}-{GoldenJournals.Interrupted}", interrupt: true, snapshotEvery: null);
    }
}
