using NasActors.Torch.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Data;

public sealed class ImageDatasetTests
{
    public ImageDatasetTests() => DataTestRuntime.Ensure();

    /// <summary>Five 1x2x2 images whose pixels are 4*row .. 4*row+3, labelled with their row.</summary>
    static ImageDataset Rows() =>
        new("rows", torch.arange(20, ScalarType.Float32).reshape(5, 1, 2, 2), torch.arange(5, ScalarType.Int64), classCount: 5);

    [Fact]
    public void Batch_should_return_the_rows_asked_for_in_that_order()
    {
        using var dataset = Rows();
        using var scope = torch.NewDisposeScope();

        var (images, labels) = dataset.Batch([3, 0, 4, 3]);

        Assert.Equal([3L, 0, 4, 3], labels.data<long>().ToArray());
        Assert.Equal([4L, 1, 2, 2], images.shape);
        Assert.Equal([12f, 13, 14, 15, 0, 1, 2, 3, 16, 17, 18, 19, 12, 13, 14, 15], images.data<float>().ToArray());
        Assert.Equal(DeviceType.CPU, images.device_type);
    }

    [Fact]
    public void Batch_should_reject_an_index_outside_the_set()
    {
        using var dataset = Rows();

        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Batch([1, 5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Batch([-1]));
    }

    [Fact]
    public void Subset_should_copy_the_rows_into_a_dataset_of_its_own()
    {
        using var dataset = Rows();
        using var subset = dataset.Subset([4, 1], "picked");
        dataset.Images.zero_();

        Assert.Equal("picked", subset.Name);
        Assert.Equal((2, 5, 1, 2, 2), (subset.Count, subset.ClassCount, subset.Channels, subset.Height, subset.Width));
        Assert.Equal([4L, 1], subset.Labels.data<long>().ToArray());
        Assert.Equal([16f, 17, 18, 19, 4, 5, 6, 7], subset.Images.data<float>().ToArray());
    }

    [Fact]
    public void A_dataset_made_inside_a_dispose_scope_should_outlive_it()
    {
        ImageDataset dataset;
        using (torch.NewDisposeScope()) dataset = Rows();

        using (dataset)
        {
            Assert.False(dataset.Images.IsInvalid);
            Assert.Equal(190f, dataset.Images.sum().item<float>());
        }
        Assert.True(dataset.Images.IsInvalid);
    }

    [Fact]
    public void Constructor_should_reject_mismatched_images_and_labels()
    {
        using var scope = torch.NewDisposeScope();

        Assert.Throws<ArgumentException>(() => new ImageDataset("x", torch.zeros(4, 1, 2, 2), torch.zeros(3, ScalarType.Int64), 10));
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", torch.zeros(4, 2, 2), torch.zeros(4, ScalarType.Int64), 10));
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", torch.zeros(4, 1, 2, 2), torch.zeros(4), 10));
    }
}
