using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

public sealed partial class SpaceCommandTests
{
    const string Op = "(none|skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3)";

    [GeneratedRegex($@"^\|{Op}~0\|\+\|{Op}~0\|{Op}~1\|\+\|{Op}~0\|{Op}~1\|{Op}~2\|$")]
    private static partial Regex Nb201String();

    [Fact]
    public async Task Space_sample_should_print_the_requested_number_of_NB201_architecture_strings()
    {
        var run = await NasProcess.RunAsync("space", "sample", "--space", "nb201", "--count", "5", "--seed", "1");

        NasAssert.Succeeded(run);
        Assert.Equal(5, run.StdoutLines.Length);
        Assert.All(run.StdoutLines, line => Assert.Matches(Nb201String(), line));
    }

    [Fact]
    public async Task Space_sample_should_repeat_itself_for_one_seed_and_differ_for_another()
    {
        string[] seed1 = ["space", "sample", "--space", "nb201", "--count", "5", "--seed", "1"];
        var first = await NasProcess.RunAsync(seed1);
        var again = await NasProcess.RunAsync(seed1);
        var other = await NasProcess.RunAsync("space", "sample", "--space", "nb201", "--count", "5", "--seed", "2");

        NasAssert.Succeeded(first);
        NasAssert.Succeeded(other);
        Assert.Equal(first.StdoutLines, again.StdoutLines);
        Assert.NotEqual(first.StdoutLines, other.StdoutLines);
    }

    [Fact]
    public async Task Space_info_should_print_the_15625_architectures_of_NB201()
    {
        var run = await NasProcess.RunAsync("space", "info", "--space", "nb201");

        NasAssert.Succeeded(run);
        Assert.Contains("architectures: 15,625", run.StdoutLines);
        Assert.Contains("distinct functions (canonical forms): 9,445, of which 1 never reach the output", run.StdoutLines);
    }
}
