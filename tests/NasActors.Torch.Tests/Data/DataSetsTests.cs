using NasActors.Search;
using NasActors.Torch.Data;

namespace NasActors.Torch.Tests.Data;

public sealed class DataSetsTests : IDisposable
{
    readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Names_should_list_the_loadable_sets()
    {
        Assert.Equal(["fashion-mnist", "cifar10"], DataSets.Names);
    }

    [Fact]
    public void Load_should_reject_an_unknown_name_listing_the_known_ones()
    {
        var error = Assert.Throws<NasException>(() => DataSets.Load("mnist", directory.Path, null));

        Assert.Contains("'mnist'", error.Message);
        Assert.Contains("fashion-mnist", error.Message);
        Assert.Contains("cifar10", error.Message);
    }

    [Fact]
    public void Load_should_load_the_named_set()
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);

        var (train, test) = DataSets.Load("fashion-mnist", directory.Path, imageSize: 16);
        using (train)
        using (test)
        {
            Assert.Equal((20, 10, 16), (train.Count, test.Count, test.Width));
            Assert.Equal("fashion-mnist-train", train.Name);
        }
    }
}
