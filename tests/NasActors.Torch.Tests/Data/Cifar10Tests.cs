using NasActors.Search;
using NasActors.Torch.Data;
using TorchSharp;

namespace NasActors.Torch.Tests.Data;

public sealed class Cifar10Tests : IDisposable
{
    static readonly float[] Means = [0.4914f, 0.4822f, 0.4465f];
    static readonly float[] Stds = [0.2470f, 0.2435f, 0.2616f];

    readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    static float Normalised(byte pixel, int channel) => (pixel / 255f - Means[channel]) / Stds[channel];

    /// <summary>Batch b holds two records labelled b and b+4; the first is pure red, the second a grey level of 10*b.</summary>
    void WriteBatches()
    {
        for (var b = 1; b <= 5; b++)
            DataTestFiles.WriteBytes(directory.File($"data_batch_{b}.bin"),
                [.. DataTestFiles.CifarRecord((byte)b, 255, 0, 0), .. DataTestFiles.CifarRecord((byte)(b + 4), (byte)(10 * b), (byte)(10 * b), (byte)(10 * b))],
                gzip: false);
        var test = DataTestFiles.CifarRecord(9, 0, 0, 255);
        // One distinct pixel in the green plane, row 1, column 2, to pin row-major order.
        test[1 + 1024 + 1 * 32 + 2] = 128;
        DataTestFiles.WriteBytes(directory.File("test_batch.bin"), [.. test, .. DataTestFiles.CifarRecord(0, 1, 2, 3), .. DataTestFiles.CifarRecord(1, 4, 5, 6)], gzip: false);
    }

    [Fact]
    public void Load_should_read_records_in_file_order_with_channels_red_green_blue()
    {
        WriteBatches();

        var (train, test) = Cifar10.Load(directory.Path, imageSize: null);
        using (train)
        using (test)
        using (torch.NewDisposeScope())
        {
            Assert.Equal([10L, 3, 32, 32], train.Images.shape);
            Assert.Equal([3L, 3, 32, 32], test.Images.shape);
            Assert.Equal([1L, 5, 2, 6, 3, 7, 4, 8, 5, 9], train.Labels.data<long>().ToArray());
            Assert.Equal([9L, 0, 1], test.Labels.data<long>().ToArray());

            // The pure red record: channel 0 holds the largest value the normalisation can give it.
            Assert.Equal(Normalised(255, 0), train.Images[0, 0].min().item<float>(), 1e-5f);
            Assert.Equal(Normalised(0, 1), train.Images[0, 1].max().item<float>(), 1e-5f);
            Assert.Equal(Normalised(0, 2), train.Images[0, 2].max().item<float>(), 1e-5f);
            Assert.Equal(train.Images.max().item<float>(), train.Images[0, 0, 0, 0].item<float>());

            Assert.Equal(Normalised(30, 1), train.Images[5, 1, 31, 31].item<float>(), 1e-5f);
            Assert.Equal(Normalised(128, 1), test.Images[0, 1, 1, 2].item<float>(), 1e-5f);
            Assert.Equal(Normalised(0, 1), test.Images[0, 1, 2, 1].item<float>(), 1e-5f);
            Assert.Equal(Normalised(255, 2), test.Images[0, 2, 1, 2].item<float>(), 1e-5f);
            Assert.Equal(Normalised(6, 2), test.Images[2, 2, 0, 0].item<float>(), 1e-5f);
        }
    }

    [Fact]
    public void Load_should_resize_to_the_requested_size()
    {
        WriteBatches();

        var (train, test) = Cifar10.Load(directory.Path, imageSize: 16);
        using (train)
        using (test)
        using (torch.NewDisposeScope())
        {
            Assert.Equal([10L, 3, 16, 16], train.Images.shape);
            Assert.Equal(Normalised(255, 0), train.Images[0, 0].min().item<float>(), 1e-4f);
        }
    }

    [Fact]
    public void Load_should_reject_a_file_that_is_not_whole_records()
    {
        WriteBatches();
        var path = directory.File("data_batch_3.bin");
        DataTestFiles.WriteBytes(path, [.. DataTestFiles.CifarRecord(1, 0, 0, 0), 7, 7, 7], gzip: false);

        var error = Assert.Throws<NasException>(() => Cifar10.Load(directory.Path, null));

        Assert.Contains(path, error.Message);
        Assert.Contains("3073", error.Message);
    }

    [Fact]
    public void Load_should_reject_a_label_outside_the_ten_classes()
    {
        WriteBatches();
        var path = directory.File("test_batch.bin");
        DataTestFiles.WriteBytes(path, DataTestFiles.CifarRecord(10, 0, 0, 0), gzip: false);

        Assert.Contains(path, Assert.Throws<NasException>(() => Cifar10.Load(directory.Path, null)).Message);
    }

    [Fact]
    public void Load_should_say_where_to_get_the_set_when_it_is_missing()
    {
        var error = Assert.Throws<NasException>(() => Cifar10.Load(directory.Path, null));

        Assert.Contains(directory.File("data_batch_1.bin"), error.Message);
        Assert.Contains("binary version", error.Message);
        Assert.Contains("--data-dir DIR", error.Message);
    }
}
