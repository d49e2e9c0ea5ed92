using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.GroundTruth;

/// <summary>Searches journaled before the tables moved to <c>data/groundtruth/</c> name them under <c>hocon/groundtruth/</c>
/// in their spec text, and read them again on every recovery.</summary>
public sealed class GroundTruthLocationTests : IDisposable
{
    const string Arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|";

    readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    string WriteTable(string relative)
    {
        var path = directory.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, [GroundTruthTable.Header, $"{Arch},1,6,0.85,0.84,1000,2000,1.5,8,5,8,50000"]);
        return path;
    }

    [Fact]
    public void A_path_in_the_former_folder_should_read_the_table_at_its_new_place()
    {
        var moved = WriteTable(Path.Combine("data", "groundtruth", "t.csv"));
        var former = directory.File(Path.Combine("hocon", "groundtruth", "t.csv"));

        Assert.Equal(moved, GroundTruthLocation.Resolve(former));
        Assert.Equal(Arch, Assert.Single(GroundTruthTable.Read(former, Nb201Space.Instance).Rows).Architecture);
    }

    [Fact]
    public void A_table_still_in_the_former_folder_should_be_read_where_it_is()
    {
        WriteTable(Path.Combine("data", "groundtruth", "t.csv"));
        var former = WriteTable(Path.Combine("hocon", "groundtruth", "t.csv"));

        Assert.Equal(former, GroundTruthLocation.Resolve(former));
    }

    [Fact]
    public void A_missing_table_should_be_named_as_asked()
    {
        var former = directory.File(Path.Combine("hocon", "groundtruth", "missing.csv"));
        var elsewhere = directory.File(Path.Combine("myhocon", "groundtruth", "t.csv"));
        WriteTable(Path.Combine("mydata", "groundtruth", "t.csv"));

        Assert.Equal(former, GroundTruthLocation.Resolve(former));
        Assert.Equal(elsewhere, GroundTruthLocation.Resolve(elsewhere));
        var error = Assert.Throws<NasException>(() => GroundTruthTable.Read(former, Nb201Space.Instance));
        Assert.Contains(former, error.Message);
    }

    [Fact]
    public void The_committed_ground_truth_should_be_found_under_its_former_path()
    {
        var former = RepositoryFile("hocon/groundtruth/nb201-fashion-mnist-8px-n5-e6.csv");

        Assert.False(File.Exists(former), "the committed tables live in data/groundtruth/ now");
        Assert.Equal(RepositoryFile("data/groundtruth/nb201-fashion-mnist-8px-n5-e6.csv"), GroundTruthLocation.Resolve(former));
        Assert.Equal(120, GroundTruthTable.Read(former, Nb201Space.Instance).Rows.Count);
    }

    static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln"))) return Path.Combine(directory.FullName, relative);
        throw new FileNotFoundException("repository root not found above the test output");
    }
}
