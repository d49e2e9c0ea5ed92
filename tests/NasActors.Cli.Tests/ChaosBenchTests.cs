namespace NasActors.Cli.Tests;

/// <summary><c>nas bench chaos</c> on a tiny search: a node SIGKILLed at moments drawn from a seed and restarted each time
/// ends the search exactly as one never interrupted (the long version: <c>nas bench chaos --kills 20</c>).</summary>
public sealed class ChaosBenchTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Two strategies of 200 steps with a checkpoint every 20, 8 evaluations and 3 probes each: 42 units of progress.</summary>
    string Spec()
    {
        var file = TinySearch.Write(_temp);
        File.WriteAllText(file, File.ReadAllText(file).Replace("steps = 10", "steps = 200").Replace("checkpoint-every = 5", "checkpoint-every = 20")
                                                      .Replace("population = 2, sample-size = 1, budget = 4", "population = 4, sample-size = 2, budget = 8"));
        return file;
    }

    [Fact]
    public async Task A_node_killed_at_four_random_moments_should_end_the_search_identical_to_an_uninterrupted_run()
    {
        // Seed 42 draws one kill of each moment: during training, at a checkpoint write, during recovery, during evaluation.
        var run = await NasProcess.RunAsync(TimeSpan.FromSeconds(240), "bench", "chaos", "--kills", "4", "--seed", "42", "--spec", Spec());

        NasAssert.Succeeded(run);
        Assert.Equal(4, run.StdoutLines.Count(l => l.StartsWith("kill ", StringComparison.Ordinal) && l.Contains(" SIGKILLed ", StringComparison.Ordinal)));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("kill moments: 1 training, 1 checkpoint, 1 evaluation, 1 recovery", StringComparison.Ordinal));
        Assert.Contains("kills: 4 survived, 0 lost, 0 duplicated (evaluations lost or duplicated, of 22)", run.StdoutLines);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("identical to the uninterrupted run", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--kills", "-1", "--kills must be at least 1")]
    [InlineData("--kills", "0", "--kills must be at least 1")]
    [InlineData("--seed", "-5", "--seed must be 0 or more")]
    [InlineData("--trainers", "2", "--trainers is for --cluster runs")]
    public async Task Bench_chaos_should_refuse_bad_input_with_exit_code_2(string option, string value, string message)
    {
        NasAssert.UsageError(await NasProcess.RunAsync("bench", "chaos", option, value), message);
    }

    [Fact]
    public async Task Bench_chaos_should_refuse_more_kills_than_the_search_has_progress_for()
    {
        NasAssert.UsageError(await NasProcess.RunAsync("bench", "chaos", "--kills", "40", "--spec", Spec()), "--kills 40 is more than this run can take", "42 checkpoints and evaluations");
    }
}
