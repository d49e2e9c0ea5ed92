using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.GroundTruth;

public sealed class GroundTruthTableTests : IDisposable
{
    const string ArchA = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|";
    const string ArchB = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    const string ArchC = "|skip_connect~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|";

    static readonly Nb201Space Space = Nb201Space.Instance;

    readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    static GroundTruthRow Row(string arch, int seed, double testAccuracy) =>
        new(arch, seed, 200, testAccuracy, Math.Round(testAccuracy - 0.01, 4), 1_234_567, 98_765_432_100, 61.5, 16, 5, 32, 25_000);

    static string Line(string arch, int seed, double testAccuracy) =>
        $"{arch},{seed},200,{testAccuracy:0.####},0.5,1000,2000,1.5,16,5,32,25000";

    string WriteTable(params string[] rows)
    {
        var path = directory.File("table.csv");
        File.WriteAllLines(path, [GroundTruthTable.Header, .. rows]);
        return path;
    }

    [Fact]
    public void Append_should_write_the_header_then_one_line_per_row()
    {
        var path = directory.File(Path.Combine("new", "table.csv"));

        GroundTruthTable.Append(path, Row(ArchA, 1, 0.9));
        GroundTruthTable.Append(path, Row(ArchB, 1, 0.8));

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images", lines[0]);
        Assert.Equal($"{ArchA},1,200,0.9,0.89,1234567,98765432100,61.5,16,5,32,25000", lines[1]);
        Assert.StartsWith(ArchB + ",1,", lines[2]);
    }

    [Fact]
    public void Append_should_write_the_header_into_an_existing_empty_file()
    {
        var path = directory.File("empty.csv");
        File.WriteAllText(path, "");

        GroundTruthTable.Append(path, Row(ArchA, 1, 0.9));

        Assert.Equal(GroundTruthTable.Header, File.ReadAllLines(path)[0]);
        Assert.Single(GroundTruthTable.Read(path, Space).Rows);
    }

    [Fact]
    public void Read_should_return_the_appended_rows_with_their_values()
    {
        var path = directory.File("table.csv");
        GroundTruthRow[] rows = [Row(ArchA, 1, 0.9123), Row(ArchB, 2, 0.5), Row(ArchC, 1, 0.1)];
        foreach (var row in rows) GroundTruthTable.Append(path, row);

        var table = GroundTruthTable.Read(path, Space);

        Assert.Equal(rows, table.Rows);
    }

    [Fact]
    public void Read_should_give_architectures_in_the_space_notation()
    {
        var path = WriteTable(Line("  " + ArchA, 1, 0.9));

        Assert.Equal(ArchA, Assert.Single(GroundTruthTable.Read(path, Space).Rows).Architecture);
    }

    [Fact]
    public void Read_should_find_columns_by_name_in_any_order()
    {
        var path = directory.File("reordered.csv");
        File.WriteAllLines(path,
        [
            "seed,arch,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images,note",
            $"3,{ArchB},200,0.75,0.7,10,20,1.5,16,5,32,25000,extra",
        ]);

        var row = Assert.Single(GroundTruthTable.Read(path, Space).Rows);

        Assert.Equal(ArchB, row.Architecture);
        Assert.Equal(3, row.Seed);
        Assert.Equal(0.75, row.TestAccuracy);
        Assert.Equal(25_000, row.TrainImages);
    }

    [Fact]
    public void Read_should_ignore_a_last_line_cut_short_by_a_crash()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9), Line(ArchB, 1, 0.8));
        File.AppendAllText(path, $"{ArchC},1,200,0.4");

        var table = GroundTruthTable.Read(path, Space);

        Assert.Equal([ArchA, ArchB], table.Rows.Select(r => r.Architecture));
    }

    [Fact]
    public void Read_should_ignore_a_last_line_cut_inside_its_last_field()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9));
        File.AppendAllText(path, $"{ArchB},1,200,0.4,0.5,1000,2000,1.5,16,5,32,25"); // 25000 cut to 25, no newline

        var table = GroundTruthTable.Read(path, Space);

        Assert.Equal([ArchA], table.Rows.Select(r => r.Architecture));
    }

    [Fact]
    public void Append_after_a_crash_mid_write_should_keep_the_table_readable_with_the_new_rows()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9));
        File.AppendAllText(path, $"{ArchB},1,200,0.4"); // the crash

        // Resuming, as `nas groundtruth` does: read what is done, then append the rest.
        Assert.Single(GroundTruthTable.Read(path, Space).Rows);
        GroundTruthTable.Append(path, Row(ArchB, 1, 0.8));
        GroundTruthTable.Append(path, Row(ArchC, 1, 0.3));

        var table = GroundTruthTable.Read(path, Space);

        Assert.Equal([ArchA, ArchB, ArchC], table.Rows.Select(r => r.Architecture));
        Assert.Equal(0.8, table.Rows[1].TestAccuracy);
    }

    [Fact]
    public void Read_should_reject_a_short_row_in_the_middle_naming_file_and_line()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9), $"{ArchB},1,200", Line(ArchC, 1, 0.3));

        var error = Assert.Throws<NasException>(() => GroundTruthTable.Read(path, Space));

        Assert.Contains($"{path}:3:", error.Message);
        Assert.Contains("expected 12 fields, found 3", error.Message);
    }

    [Fact]
    public void Read_should_reject_an_unparsable_number_naming_file_and_line()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9), $"{ArchB},one,200,0.4,0.5,1000,2000,1.5,16,5,32,25000");

        var error = Assert.Throws<NasException>(() => GroundTruthTable.Read(path, Space));

        Assert.StartsWith($"{path}:3:", error.Message);
    }

    [Fact]
    public void Read_should_reject_an_unknown_architecture_naming_file_and_line()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9), Line(ArchB, 1, 0.8), Line(ArchA.Replace("nor_conv_1x1", "sep_conv_3x3"), 2, 0.7));

        var error = Assert.Throws<NasException>(() => GroundTruthTable.Read(path, Space));

        Assert.StartsWith($"{path}:4:", error.Message);
        Assert.Contains("sep_conv_3x3", error.Message);
    }

    [Fact]
    public void Read_should_reject_a_header_missing_a_column_naming_it()
    {
        var path = directory.File("missing.csv");
        File.WriteAllLines(path,
        [
            "arch,seed,epochs,test_accuracy,params,flops,seconds,channels,cells,image_size,train_images",
            $"{ArchA},1,200,0.9,1000,2000,1.5,16,5,32,25000",
        ]);

        var error = Assert.Throws<NasException>(() => GroundTruthTable.Read(path, Space));

        Assert.Contains("validation_accuracy", error.Message);
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain("test_accuracy,", error.Message.Split("header must be")[0]);
    }

    [Fact]
    public void Read_should_reject_a_missing_file_saying_how_to_make_it()
    {
        var path = directory.File("absent.csv");

        var error = Assert.Throws<NasException>(() => GroundTruthTable.Read(path, Space));

        Assert.Contains(path, error.Message);
        Assert.Contains("nas groundtruth", error.Message);
    }

    [Fact]
    public void Read_should_give_no_rows_for_an_empty_file_or_a_header_alone()
    {
        var empty = directory.File("empty.csv");
        File.WriteAllText(empty, "");

        Assert.Empty(GroundTruthTable.Read(empty, Space).Rows);
        Assert.Empty(GroundTruthTable.Read(WriteTable(), Space).Rows);
    }

    [Fact]
    public void Read_should_skip_blank_lines()
    {
        var path = WriteTable(Line(ArchA, 1, 0.9), "", "   ", Line(ArchB, 1, 0.8));

        Assert.Equal(2, GroundTruthTable.Read(path, Space).Rows.Count);
    }

    [Fact]
    public void MeanTestAccuracy_should_average_each_architecture_over_its_seeds()
    {
        var table = new GroundTruthTable([Row(ArchA, 1, 0.8), Row(ArchA, 2, 0.9), Row(ArchA, 3, 1.0), Row(ArchB, 1, 0.5)]);

        var means = table.MeanTestAccuracy();

        Assert.Equal(2, means.Count);
        Assert.Equal(0.9, means[ArchA], 12);
        Assert.Equal(0.5, means[ArchB], 12);
    }

    [Fact]
    public void SeedToSeedTau_should_correlate_the_architectures_trained_with_both_seeds()
    {
        var table = new GroundTruthTable(
        [
            Row(ArchA, 1, 0.9), Row(ArchB, 1, 0.8), Row(ArchC, 1, 0.7),
            Row(ArchA, 2, 0.85), Row(ArchB, 2, 0.6), Row(ArchC, 2, 0.65),
            Row(ArchA, 3, 0.1),
        ]);

        // Seed 1 ranks A > B > C, seed 2 ranks A > C > B: 2 concordant pairs, 1 discordant.
        Assert.Equal(1.0 / 3, table.SeedToSeedTau(1, 2)!.Value, 12);
        Assert.Equal(1.0, table.SeedToSeedTau(1, 1)!.Value, 12);
    }

    [Fact]
    public void SeedToSeedTau_should_ignore_architectures_missing_from_one_seed()
    {
        var d = "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|";
        var table = new GroundTruthTable(
        [
            Row(ArchA, 1, 0.9), Row(ArchB, 1, 0.8), Row(d, 1, 0.1),
            Row(ArchA, 2, 0.7), Row(ArchB, 2, 0.6), Row(ArchC, 2, 0.99),
        ]);

        Assert.Equal(1.0, table.SeedToSeedTau(1, 2)!.Value, 12);
    }

    [Fact]
    public void SplitHalfTau_should_correlate_the_odd_seeds_mean_with_the_even_seeds_mean()
    {
        var table = new GroundTruthTable(
        [
            // Single seeds disagree (seed 1 ranks B over A, seed 2 C over B); the means of 1,3 and of 2,4 rank A > B > C.
            Row(ArchA, 1, 0.70), Row(ArchA, 2, 0.90), Row(ArchA, 3, 0.90), Row(ArchA, 4, 0.70),
            Row(ArchB, 1, 0.75), Row(ArchB, 2, 0.60), Row(ArchB, 3, 0.75), Row(ArchB, 4, 0.80),
            Row(ArchC, 1, 0.50), Row(ArchC, 2, 0.65), Row(ArchC, 3, 0.50), Row(ArchC, 4, 0.50),
            Row("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|", 1, 0.99),
        ]);

        Assert.Equal(-1.0 / 3, table.SeedToSeedTau(1, 2)!.Value, 12);
        var (tau, seedsPerHalf, architectures) = table.SplitHalfTau()!;
        Assert.Equal(1.0, tau, 12);
        Assert.Equal(2, seedsPerHalf);
        Assert.Equal(3, architectures);
    }

    [Fact]
    public void ParameterCountTau_should_rank_architectures_by_parameters_against_their_mean_accuracy()
    {
        // A has the most parameters and the best mean (0.85); C has the fewest but beats B, so one pair of three disagrees.
        var table = new GroundTruthTable(
        [
            Row(ArchA, 1, 0.80) with { Parameters = 300 }, Row(ArchA, 2, 0.90) with { Parameters = 300 },
            Row(ArchB, 1, 0.60) with { Parameters = 200 }, Row(ArchB, 2, 0.60) with { Parameters = 200 },
            Row(ArchC, 1, 0.70) with { Parameters = 100 },
        ]);

        Assert.Equal(1.0 / 3, table.ParameterCountTau()!.Value, 12);
        Assert.Null(new GroundTruthTable([Row(ArchA, 1, 0.8)]).ParameterCountTau());
    }

    [Fact]
    public void SeedNoise_should_give_the_spread_of_seed_differences_over_root_two_and_the_spread_of_the_means()
    {
        // Differences +0.02 and -0.02 (sd 0.02, noise 0.02/sqrt 2); means 0.80 and 0.60 (sd 0.10); C lacks seed 2.
        var table = new GroundTruthTable(
        [
            Row(ArchA, 1, 0.81), Row(ArchA, 2, 0.79), Row(ArchB, 1, 0.59), Row(ArchB, 2, 0.61), Row(ArchC, 1, 0.1),
        ]);

        var (noise, spread, architectures) = table.SeedNoise(1, 2)!;
        Assert.Equal(0.02 / Math.Sqrt(2), noise, 12);
        Assert.Equal(0.10, spread, 12);
        Assert.Equal(2, architectures);
        Assert.Null(table.SeedNoise(1, 3));
    }

    [Fact]
    public void SplitHalfTau_should_be_null_below_four_seeds()
    {
        var table = new GroundTruthTable(
        [
            Row(ArchA, 1, 0.7), Row(ArchA, 2, 0.9), Row(ArchA, 3, 0.9),
            Row(ArchB, 1, 0.6), Row(ArchB, 2, 0.6), Row(ArchB, 3, 0.7),
        ]);

        Assert.Null(table.SplitHalfTau());
    }

    [Fact]
    public void SeedToSeedTau_should_be_null_with_fewer_than_two_shared_architectures()
    {
        var table = new GroundTruthTable([Row(ArchA, 1, 0.9), Row(ArchB, 1, 0.8), Row(ArchA, 2, 0.7)]);

        Assert.Null(table.SeedToSeedTau(1, 2));
        Assert.Null(table.SeedToSeedTau(1, 3));
    }

    [Fact]
    public void Settings_should_name_every_setting_that_must_match_for_rows_to_share_a_table()
    {
        Assert.Equal("epochs=200 channels=16 cells=5 image-size=32 train-images=25000", Row(ArchA, 1, 0.9).Settings);
    }
}
