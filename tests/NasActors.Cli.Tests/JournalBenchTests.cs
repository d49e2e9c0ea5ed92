namespace NasActors.Cli.Tests;

/// <summary><c>nas bench journal</c> on a small run: both recoveries reach the same state and the ratio is reported.</summary>
public sealed class JournalBenchTests
{
    [Fact]
    public async Task Bench_journal_should_report_full_replay_against_snapshot_recovery_of_the_same_run_as_a_ratio()
    {
        var run = await NasProcess.RunAsync("bench", "journal", "--events", "400", "--tail", "10", "--rounds", "1");
        NasAssert.Succeeded(run);
        Assert.Contains(run.StdoutLines, l => l.StartsWith("persisted 400 events", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.Contains("snapshotted at event 390", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => l.StartsWith("both recover to the same state: 198 evaluations completed", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => System.Text.RegularExpressions.Regex.IsMatch(
            l, @"^recovery of a 400-event run \(median of 1, warm, same process\): full replay [0-9.]+ s, from a snapshot [0-9.]+ s: [0-9.]+x faster$"));
    }

    [Fact]
    public async Task Bench_journal_should_refuse_a_tail_longer_than_the_run()
    {
        NasAssert.UsageError(await NasProcess.RunAsync("bench", "journal", "--events", "100", "--tail", "100"), "--tail", "100");
    }
}
