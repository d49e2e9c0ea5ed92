using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

public sealed class TrainChildCommandTests : IDisposable
{
    readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Train_child_should_train_on_the_data_and_print_test_accuracy_parameters_FLOPs_and_time()
    {
        FakeFashionMnist.Write(_data.Path);

        var run = await NasProcess.RunAsync(["train-child", "--arch", TinyTraining.Architecture, .. TinyTraining.OneEpoch(_data.Path)]);

        NasAssert.Succeeded(run);
        Assert.Contains(run.StdoutLines, l => l.StartsWith($"training {TinyTraining.Architecture} on fashion-mnist-train (300 images, 8x8)", StringComparison.Ordinal));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^epoch 1/1  loss \d+\.\d{4} "));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^test accuracy:\s+\d{1,3}\.\d\d%$"));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^parameters:\s+[1-9][\d,]*$"));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^FLOPs \(multiply-adds per image\): \d+\.\d{3} M$"));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^time:\s+\d+\.\d s$"));
    }

    [Fact]
    public async Task Train_child_with_train_images_should_train_on_that_subset()
    {
        FakeFashionMnist.Write(_data.Path);

        var run = await NasProcess.RunAsync(["train-child", "--arch", TinyTraining.Architecture, "--train-images", "150", .. TinyTraining.OneEpoch(_data.Path)]);

        NasAssert.Succeeded(run);
        Assert.Contains(run.StdoutLines, l => l.StartsWith($"training {TinyTraining.Architecture} on fashion-mnist-train (150 images, 8x8)", StringComparison.Ordinal));
    }
}
