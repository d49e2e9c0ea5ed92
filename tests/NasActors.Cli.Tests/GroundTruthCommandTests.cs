using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

public sealed class GroundTruthCommandTests(GroundTruthTableFixture fixture) : IClassFixture<GroundTruthTableFixture>, IDisposable
{
    const string Header = "arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images";

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A copy of the fixture's complete table that this test may change.</summary>
    string CopyOfTable()
    {
        var copy = _temp.File("truth.csv");
        File.Copy(fixture.Table, copy);
        return copy;
    }

    static string WithoutSeconds(string row)
    {
        var fields = row.Split(',');
        fields[Array.IndexOf(Header.Split(','), "seconds")] = "";
        return string.Join(',', fields);
    }

    [Fact]
    public void Groundtruth_should_write_a_header_and_one_row_per_architecture_and_seed_and_print_the_seed_to_seed_tau()
    {
        var run = fixture.FirstRun;

        NasAssert.Succeeded(run);
        var lines = File.ReadAllLines(fixture.Table);
        Assert.Equal(5, lines.Length);
        Assert.Equal(Header, lines[0]);
        var rows = lines[1..].Select(l => l.Split(',')).ToArray();
        Assert.All(rows, r => Assert.Equal(12, r.Length));
        Assert.Equal(["1", "2", "1", "2"], rows.Select(r => r[1]));
        Assert.Equal(2, rows.Select(r => r[0]).Distinct().Count());
        Assert.All(rows, r => Assert.Equal(["1", "2", "1", "8", "300"], [r[2], r[8], r[9], r[10], r[11]]));
        Assert.Contains("0 of 4 runs already in", run.StdoutLines[0]);
        Assert.Equal(4, run.StdoutLines.Count(l => Regex.IsMatch(l, @"^\[[1-4]/4\] \|.+\| seed [12]: test \d+\.\d\d%, validation \d+\.\d\d%")));
        // Two tiny models may tie under a seed, which leaves tau-b undefined: then the line says so.
        Assert.Matches(@"^seed-to-seed Kendall tau( \(seed 1 vs seed 2, test accuracy, 4 rows\): -?\d\.\d{3}|: undefined \(.+\))$", run.StdoutLines[^2]);
        Assert.Matches(@"^per-seed noise \d+\.\d\d% \(seed 1 vs seed 2\), spread of the architectures' means \d+\.\d\d% \(2 architectures\)", run.StdoutLines[^1]);
    }

    [Fact]
    public async Task Groundtruth_with_two_workers_should_write_the_same_rows_as_one_at_a_time()
    {
        var table = _temp.File("two-workers.csv");

        var run = await NasProcess.RunAsync([.. fixture.Command(table), "--workers", "2"]);

        NasAssert.Succeeded(run);
        string[] Rows(string file) => File.ReadAllLines(file).Skip(1).Select(WithoutSeconds).Order().ToArray();
        Assert.Equal(Rows(fixture.Table), Rows(table));
    }

    [Fact]
    public async Task Groundtruth_should_train_nothing_when_rerun_on_a_complete_table_and_leave_it_unchanged()
    {
        var table = CopyOfTable();
        var before = File.ReadAllBytes(table);

        var run = await NasProcess.RunAsync(fixture.Command(table));

        NasAssert.Succeeded(run);
        Assert.Contains("4 of 4 runs already in", run.StdoutLines[0]);
        Assert.DoesNotContain(run.StdoutLines, l => l.StartsWith('['));
        Assert.Equal(before, File.ReadAllBytes(table));
    }

    [Fact]
    public async Task Groundtruth_summary_should_print_the_tables_tau_noise_and_spread_and_train_nothing()
    {
        var table = CopyOfTable();
        var before = File.ReadAllBytes(table);

        var run = await NasProcess.RunAsync(["groundtruth", "--out", table, "--summary"]);

        NasAssert.Succeeded(run);
        Assert.Equal(2, run.StdoutLines.Length);
        Assert.Matches(@"^seed-to-seed Kendall tau( \(seed 1 vs seed 2, test accuracy, 4 rows\): -?\d\.\d{3}|: undefined \(.+\))$", run.StdoutLines[0]);
        Assert.Matches(@"^per-seed noise \d+\.\d\d% \(seed 1 vs seed 2\), spread of the architectures' means \d+\.\d\d% \(2 architectures\)", run.StdoutLines[1]);
        Assert.Equal(before, File.ReadAllBytes(table));

        File.WriteAllLines(table, File.ReadAllLines(table)[..^1]);  // a table still being made: its last run is missing
        var partial = await NasProcess.RunAsync(["groundtruth", "--out", table, "--summary"]);
        NasAssert.Succeeded(partial);
        Assert.Equal(["seed-to-seed Kendall tau: needs two seeds on at least two architectures"], partial.StdoutLines);
    }

    [Fact]
    public async Task Groundtruth_summary_of_a_missing_table_should_be_refused_naming_it()
    {
        var run = await NasProcess.RunAsync(["groundtruth", "--out", _temp.File("none.csv"), "--summary"]);
        NasAssert.UsageError(run, "none.csv", "drop --summary");
    }

    [Fact]
    public async Task Groundtruth_should_append_back_exactly_the_one_row_that_was_deleted()
    {
        var table = CopyOfTable();
        var complete = File.ReadAllLines(table);
        File.WriteAllLines(table, complete[..^1]);

        var run = await NasProcess.RunAsync(fixture.Command(table));

        NasAssert.Succeeded(run);
        Assert.Contains("3 of 4 runs already in", run.StdoutLines[0]);
        Assert.Single(run.StdoutLines, l => l.StartsWith("[4/4] ", StringComparison.Ordinal));
        Assert.DoesNotContain(run.StdoutLines, l => Regex.IsMatch(l, @"^\[[1-3]/4\]"));
        var resumed = File.ReadAllLines(table);
        Assert.Equal(complete.Length, resumed.Length);
        Assert.Equal(complete[..^1], resumed[..^1]);
        // Training is reproducible per seed and thread count: only the wall-clock time may differ.
        Assert.Equal(WithoutSeconds(complete[^1]), WithoutSeconds(resumed[^1]));
    }

    [Fact]
    public async Task Groundtruth_should_refuse_to_resume_a_table_made_with_other_epochs_and_leave_it_unchanged()
    {
        var table = CopyOfTable();
        var before = File.ReadAllBytes(table);

        var run = await NasProcess.RunAsync(fixture.Command(table, epochs: "2"));

        NasAssert.UsageError(run, table, "epochs=1", "epochs=2", "another --out");
        Assert.Equal(before, File.ReadAllBytes(table));
    }

    [Fact]
    public async Task Groundtruth_should_resume_a_table_whose_last_row_was_cut_short_by_a_crash()
    {
        var table = CopyOfTable();
        var complete = File.ReadAllLines(table);
        var text = File.ReadAllText(table);
        File.WriteAllText(table, text[..^(complete[^1].Length / 2)]);  // as if the process died while writing the last row

        var run = await NasProcess.RunAsync(fixture.Command(table));

        NasAssert.Succeeded(run);
        Assert.Contains("3 of 4 runs already in", run.StdoutLines[0]);
        var resumed = File.ReadAllLines(table);
        Assert.Equal(complete[..^1], resumed[..^1]);
        Assert.Equal(WithoutSeconds(complete[^1]), WithoutSeconds(resumed[^1]));
        NasAssert.Succeeded(await NasProcess.RunAsync(fixture.Command(table)));
    }

    [Fact]
    public async Task Groundtruth_should_explain_an_undefined_seed_to_seed_tau_instead_of_printing_NaN()
    {
        // Every architecture at the same accuracy under each seed: tau-b has no ranking to compare.
        var table = CopyOfTable();
        var testAccuracy = Array.IndexOf(Header.Split(','), "test_accuracy");
        File.WriteAllLines(table, File.ReadAllLines(table).Select((line, n) =>
        {
            if (n == 0) return line;
            var fields = line.Split(',');
            fields[testAccuracy] = "0.5";
            return string.Join(',', fields);
        }));

        var run = await NasProcess.RunAsync(fixture.Command(table));

        NasAssert.Succeeded(run);
        Assert.StartsWith("seed-to-seed Kendall tau", run.StdoutLines[^2]);
        Assert.DoesNotContain("NaN", run.StdoutLines[^2]);
        Assert.StartsWith("per-seed noise 0.00% (seed 1 vs seed 2), spread of the architectures' means 0.00%", run.StdoutLines[^1]);
    }
}
