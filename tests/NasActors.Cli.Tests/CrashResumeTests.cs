using System.Diagnostics;
using System.Text.Json;

namespace NasActors.Cli.Tests;

/// <summary>A node killed with SIGKILL and started again ends a search exactly as a node never interrupted: the same
/// final supernet weights, the same sampled path sequence (a digest chained over every step's paths) and the same
/// evaluations (architectures, accuracies, order of proposals).</summary>
public sealed class CrashResumeTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string Spec() => File.ReadAllText(TinySearch.Write(_temp)).Replace("steps = 10", "steps = 400").Replace("checkpoint-every = 5", "checkpoint-every = 100")
                                                              .Replace("population = 2, sample-size = 1, budget = 4", "population = 4, sample-size = 2, budget = 30");

    async Task<string> StartSearch(string state, string spec)
    {
        var file = _temp.File($"{Path.GetFileName(state)}.conf");
        await File.WriteAllTextAsync(file, spec);
        var run = await NasProcess.RunAsync(["search", "start", "--spec", file, "--state-dir", state]);
        NasAssert.Succeeded(run);
        return run.StdoutLines.Single();
    }

    /// <summary>What must be identical: each strategy's final weights and path sequence, and every evaluation in journal order.</summary>
    async Task<string> Outcome(string state, string id)
    {
        var export = _temp.File("export.json");
        NasAssert.Succeeded(await NasProcess.RunAsync(["search", "export", id, "--out", export, "--state-dir", state]));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(export));
        var root = json.RootElement;
        Assert.Equal("Completed", root.GetProperty("Status").GetProperty("Phase").GetString());
        // A strategy that failed shows its reason here, so a failure reads as such rather than as a hash mismatch.
        var weights = root.GetProperty("Status").GetProperty("Strategies").EnumerateArray()
            .Select(s => $"{s.GetProperty("Strategy").GetString()}={s.GetProperty("WeightsSha256").GetString()} " +
                         $"paths={s.GetProperty("PathsDigest").GetString()} {s.GetProperty("FailureReason").GetString()}");
        var evaluations = root.GetProperty("Evaluations").EnumerateArray()
            .Select(e => $"{e.GetProperty("EvaluationId").GetString()} {e.GetProperty("Architecture").GetString()} {e.GetProperty("Accuracy").GetDouble():R}");
        return string.Join('\n', weights.Concat(evaluations));
    }

    async Task RunNodeUntilIdle(string state)
    {
        var node = await NasProcess.RunAsync(TimeSpan.FromSeconds(120), ["node", "--state-dir", state, "--until-idle", "--poll", "0.3"]);
        NasAssert.Succeeded(node);
    }

    /// <summary>Starts a node, waits for a progress line containing <paramref name="killAfter"/>, then SIGKILLs it.</summary>
    async Task KillNodeAfter(string state, string killAfter)
    {
        using var node = Process.Start(NasProcess.StartInfo(["node", "--state-dir", state, "--poll", "0.1"]))!;
        try
        {
            await NasProcess.WaitForLineAsync(node, killAfter);
        }
        finally
        {
            node.Kill(entireProcessTree: true);  // SIGKILL: no shutdown, no flush
            await node.WaitForExitAsync();
        }
    }

    [Theory]
    // Kill points are read from the node's progress lines, polled every 0.1 s: patterns accept any checkpoint in range.
    [InlineData("step [12]00/400")]               // during training, after the first or second checkpoint
    [InlineData("step 300/400")]                  // late in training
    [InlineData(@"evolution ([1-9]|1\d|2[0-5])/30")]  // during evaluation
    public async Task A_search_killed_and_resumed_should_end_exactly_as_one_never_interrupted(string killAfter)
    {
        var spec = Spec();
        var uninterrupted = _temp.File("uninterrupted");
        var uninterruptedId = await StartSearch(uninterrupted, spec);
        await RunNodeUntilIdle(uninterrupted);

        var crashed = _temp.File("crashed");
        var crashedId = await StartSearch(crashed, spec);
        await KillNodeAfter(crashed, killAfter);
        await RunNodeUntilIdle(crashed);

        Assert.Equal(await Outcome(uninterrupted, uninterruptedId), await Outcome(crashed, crashedId));
    }
}
