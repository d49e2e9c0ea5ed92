using NasActors.Cli.Reports;

namespace NasActors.Cli.Tests;

/// <summary>The dashboard and <c>search report</c> read the ground truth a journaled spec names; a search journaled before
/// the tables moved from <c>hocon/groundtruth/</c> to <c>data/groundtruth/</c> names the former folder.</summary>
public sealed class FormerGroundTruthPathTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_report_of_a_spec_naming_the_former_folder_should_read_the_table_at_its_new_place()
    {
        var spec = File.ReadAllText(TinySearch.Write(_temp));
        var truth = _temp.File("truth.csv");
        var moved = Directory.CreateDirectory(_temp.File(Path.Combine("data", "groundtruth"))).FullName;
        File.Move(truth, Path.Combine(moved, "truth.csv"));
        var journaled = spec.Replace(truth, _temp.File(Path.Combine("hocon", "groundtruth", "truth.csv")), StringComparison.Ordinal);
        Assert.NotEqual(spec, journaled);

        var table = SearchReport.GroundTruthOf(journaled, "spec");

        Assert.NotNull(table);
        Assert.Equal(3, table.Count);
    }
}
