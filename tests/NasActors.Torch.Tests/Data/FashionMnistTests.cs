using NasActors.Search;
using NasActors.Torch.Data;
using TorchSharp;

namespace NasActors.Torch.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    static float Normalised(byte pixel) => (pixel / 255f - 0.2860f) / 0.3530f;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_should_give_normalised_images_and_labels_in_file_order(bool gzip)
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10, gzip);

        var (train, test) = FashionMnist.Load(directory.Path, imageSize: null);
        using (train)
        using (test)
        using (torch.NewDisposeScope())
        {
            Assert.Equal([20L, 1, 28, 28], train.Images.shape);
            Assert.Equal([10L, 1, 28, 28], test.Images.shape);
            Assert.Equal(torch.ScalarType.Float32, train.Images.dtype);
            Assert.Equal(torch.ScalarType.Int64, train.Labels.dtype);
            Assert.Equal((20, 10, 1, 28, 28), (train.Count, train.ClassCount, train.Channels, train.Height, train.Width));
            Assert.Equal(DataTestFiles.Labels(20, 0).Select(label => (long)label), train.Labels.data<long>().ToArray());
            Assert.Equal(DataTestFiles.Labels(10, 5).Select(label => (long)label), test.Labels.data<long>().ToArray());

            // Row 5, column 6 of train image 3, and of test image 7.
            Assert.Equal(Normalised(DataTestFiles.Pixel(3, 5 * 28 + 6)), train.Images[3, 0, 5, 6].item<float>(), 1e-5f);
            Assert.Equal(Normalised(DataTestFiles.Pixel(7, 5 * 28 + 6)), test.Images[7, 0, 5, 6].item<float>(), 1e-5f);
            Assert.Equal(Normalised(200), train.Images[0, 0, 27, 27].item<float>(), 1e-5f);
        }
    }

    [Fact]
    public void Load_should_resize_once_to_the_requested_size()
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);

        var (train, test) = FashionMnist.Load(directory.Path, imageSize: 16);
        using (train)
        using (test)
        using (torch.NewDisposeScope())
        {
            Assert.Equal([20L, 1, 16, 16], train.Images.shape);
            Assert.Equal([10L, 1, 16, 16], test.Images.shape);
            Assert.Equal((16, 16), (train.Height, train.Width));
            // A flat image stays flat at its normalised value: resizing and normalising commute.
            using var flat = train.Images[0];
            Assert.Equal(Normalised(200), flat.min().item<float>(), 1e-4f);
            Assert.Equal(Normalised(200), flat.max().item<float>(), 1e-4f);
        }
    }

    [Fact]
    public void Load_should_keep_every_image_in_place_when_resizing_a_set_larger_than_one_chunk()
    {
        // Resizing goes in chunks of a few thousand images; flat images of distinct grey levels show any misplaced chunk.
        const int count = 9000;
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);
        var images = new byte[count * 28 * 28];
        for (var image = 0; image < count; image++) Array.Fill(images, (byte)(image % 251), image * 28 * 28, 28 * 28);
        DataTestFiles.WriteIdx(directory.File("train-images-idx3-ubyte.gz"), [count, 28, 28], images, gzip: true);
        DataTestFiles.WriteIdx(directory.File("train-labels-idx1-ubyte.gz"), [count], DataTestFiles.Labels(count, 0), gzip: true);

        var (train, test) = FashionMnist.Load(directory.Path, imageSize: 12);
        using (train)
        using (test)
        using (torch.NewDisposeScope())
        {
            var means = train.Images.mean([1, 2, 3]).data<float>().ToArray();
            var spreads = (train.Images.amax([1, 2, 3]) - train.Images.amin([1, 2, 3])).data<float>().ToArray();
            for (var image = 0; image < count; image++)
            {
                Assert.Equal(Normalised((byte)(image % 251)), means[image], 1e-4f);
                Assert.True(spreads[image] < 1e-4f, $"image {image} is not flat after resizing");
            }
        }
    }

    [Fact]
    public void Load_should_say_how_to_install_the_set_when_the_directory_is_missing()
    {
        var missing = directory.File("nowhere");

        var error = Assert.Throws<NasException>(() => FashionMnist.Load(missing, imageSize: null));

        Assert.Contains(missing, error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains("--data-dir", error.Message);
    }

    [Fact]
    public void Load_should_name_a_missing_file()
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);
        File.Delete(directory.File("t10k-labels-idx1-ubyte.gz"));

        var error = Assert.Throws<NasException>(() => FashionMnist.Load(directory.Path, imageSize: null));

        Assert.Contains(directory.File("t10k-labels-idx1-ubyte.gz"), error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains("--data-dir", error.Message);
    }

    [Fact]
    public void Load_should_reject_image_and_label_files_of_different_lengths()
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);
        DataTestFiles.WriteIdx(directory.File("train-labels-idx1-ubyte.gz"), [19], DataTestFiles.Labels(19, 0), gzip: true);

        Assert.Contains("19 labels", Assert.Throws<NasException>(() => FashionMnist.Load(directory.Path, null)).Message);
    }

    [Fact]
    public void Load_should_reject_a_label_outside_the_ten_classes()
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);
        var labels = DataTestFiles.Labels(10, 5);
        labels[4] = 10;
        DataTestFiles.WriteIdx(directory.File("t10k-labels-idx1-ubyte.gz"), [10], labels, gzip: true);

        var error = Assert.Throws<NasException>(() => FashionMnist.Load(directory.Path, null));

        Assert.Contains(directory.File("t10k-labels-idx1-ubyte.gz"), error.Message);
    }

    [Fact]
    public void Load_should_reject_a_size_that_is_not_positive()
    {
        DataTestFiles.WriteFashionMnist(directory.Path, trainCount: 20, testCount: 10);

        Assert.Contains("image size 0", Assert.Throws<NasException>(() => FashionMnist.Load(directory.Path, 0)).Message);
    }

    [Fact]
    public void ClassNames_should_name_the_ten_classes()
    {
        Assert.Equal(10, FashionMnist.ClassNames.Length);
        Assert.Equal(10, FashionMnist.ClassNames.Distinct().Count());
    }
}
