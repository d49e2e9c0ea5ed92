namespace NasActors.Cli.Tests;

/// <summary>Input the user got wrong: exit code 2, one clear <c>error:</c> line, nothing written.</summary>
public sealed class UsageErrorTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Space_sample_should_reject_an_unknown_space_with_exit_code_2_naming_the_known_ones()
    {
        var run = await NasProcess.RunAsync("space", "sample", "--space", "nb999");

        NasAssert.UsageError(run, "unknown search space 'nb999'", "nb201");
    }

    [Fact]
    public async Task Bench_concurrency_should_reject_an_unknown_strategy_naming_the_known_ones()
    {
        var run = await NasProcess.RunAsync("bench", "concurrency", "--strategies", "uniform,spos");

        NasAssert.UsageError(run, "spos unknown", "magic-t");
    }

    [Fact]
    public async Task Bench_train_on_a_device_this_machine_lacks_should_say_so_before_training()
    {
        // No machine has a 100th GPU: refused with CUDA ("does not exist") or without ("not available").
        var run = await NasProcess.RunAsync("bench", "train", "--device", "cuda:99", "--steps", "1");

        NasAssert.UsageError(run, "device 'cuda:99'");
    }

    [Fact]
    public async Task Space_info_should_reject_an_unknown_space_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync("space", "info", "--space", "darts");

        NasAssert.UsageError(run, "unknown search space 'darts'", "nb201");
    }

    [Fact]
    public async Task Train_child_should_reject_malformed_architecture_with_exit_code_2_naming_the_part()
    {
        var arch = "|nor_conv_3x3~0|+|none~0|conv_5x5~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|";

        var run = await NasProcess.RunAsync(["train-child", "--arch", arch, .. TinyTraining.OneEpoch(_temp.Path)]);

        NasAssert.UsageError(run, "malformed NAS-Bench-201 architecture", "unknown operation 'conv_5x5'", "nor_conv_3x3");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Train_child_should_reject_an_architecture_with_a_missing_node_group_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync(["train-child", "--arch", "|nor_conv_3x3~0|+|none~0|skip_connect~1|", .. TinyTraining.OneEpoch(_temp.Path)]);

        NasAssert.UsageError(run, "expected 3 node groups", "found 2");
    }

    [Theory]
    [InlineData("0", "--train-images must be positive")]
    [InlineData("301", "--train-images 301 is more than the 300 training images left after --validation-size 100")]
    public async Task Train_child_should_reject_a_training_subset_out_of_range_naming_the_flags(string count, string message)
    {
        FakeFashionMnist.Write(_temp.Path);
        var run = await NasProcess.RunAsync(["train-child", "--arch", TinyTraining.Architecture, "--train-images", count, .. TinyTraining.OneEpoch(_temp.Path)]);

        NasAssert.UsageError(run, message);
    }

    [Fact]
    public async Task Train_child_should_reject_an_unknown_dataset_with_exit_code_2_listing_fashion_mnist()
    {
        var run = await NasProcess.RunAsync(["train-child", "--arch", TinyTraining.Architecture, "--dataset", "mnist",
                                             .. TinyTraining.OneEpoch(_temp.Path)]);

        NasAssert.UsageError(run, "unknown data set 'mnist'", "fashion-mnist");
    }

    [Fact]
    public async Task Train_child_should_reject_a_missing_data_dir_naming_the_Debian_package_and_the_data_dir_option()
    {
        var missing = _temp.File("no-such-dir");

        var run = await NasProcess.RunAsync(["train-child", "--arch", TinyTraining.Architecture, .. TinyTraining.OneEpoch(missing)]);

        NasAssert.UsageError(run, missing, "dataset-fashion-mnist", "--data-dir");
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Train_child_should_reject_zero_epochs_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync(["train-child", "--arch", TinyTraining.Architecture, .. TinyTraining.Options(_temp.Path), "--epochs", "0"]);

        NasAssert.UsageError(run, "--epochs must be positive, got 0");
    }

    [Fact]
    public async Task Space_sample_should_reject_a_count_of_0_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync("space", "sample", "--count", "0");

        NasAssert.UsageError(run, "--count must be positive, got 0");
    }

    [Fact]
    public async Task Nas_should_reject_an_unknown_option_with_exit_code_2_naming_it()
    {
        var run = await NasProcess.RunAsync("space", "sample", "--colour");

        NasAssert.UsageError(run, "--colour");
    }

    [Fact]
    public async Task Nas_should_reject_a_non_numeric_option_value_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync("space", "sample", "--count", "five");

        NasAssert.UsageError(run, "five");
    }

    [Fact]
    public async Task Groundtruth_should_reject_zero_archs_with_exit_code_2_without_creating_the_out_file()
    {
        var output = _temp.File("truth.csv");

        var run = await NasProcess.RunAsync(["groundtruth", "--archs", "0", "--seeds", "2", "--out", output, .. TinyTraining.OneEpoch(_temp.Path)]);

        NasAssert.UsageError(run, "--archs must be positive, got 0");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Groundtruth_should_refuse_a_csv_with_a_wrong_header_and_leave_it_byte_for_byte_unchanged()
    {
        var output = _temp.File("truth.csv");
        File.WriteAllText(output, $"architecture,seed,accuracy\n{TinyTraining.Architecture},1,0.5\n");
        var before = File.ReadAllBytes(output);

        var run = await NasProcess.RunAsync(["groundtruth", "--archs", "2", "--seeds", "2", "--out", output, .. TinyTraining.OneEpoch(_temp.Path)]);

        NasAssert.UsageError(run, output, "lacks column(s)", "arch,seed,epochs");
        Assert.Equal(before, File.ReadAllBytes(output));
    }
}
