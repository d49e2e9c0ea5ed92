using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Demo_should_print_step_lines_with_loss_and_speed_then_one_inherited_weight_accuracy_per_child()
    {
        FakeFashionMnist.Write(_data.Path);

        var run = await NasProcess.RunAsync(["demo", "--steps", "6", "--children", "2", .. TinyTraining.Options(_data.Path)]);

        NasAssert.Succeeded(run);
        // A loss that printed as NaN or Infinity would not match: the numbers must be finite.
        var steps = run.StdoutLines.Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(steps);
        Assert.All(steps, l => Assert.Matches(@"^step\s+[1-6]/6  loss \d+\.\d{4}\s+[\d,]+ images/s$", l));
        Assert.StartsWith("step     6/6", steps[^1]);
        var children = run.StdoutLines.SkipWhile(l => !l.StartsWith("inherited-weight validation accuracy (100 images)", StringComparison.Ordinal))
                                      .Skip(1).ToArray();
        Assert.Equal(2, children.Length);
        Assert.All(children, l => Assert.Matches(@"^\d{1,3}\.\d\d%\s+\|.+\|$", l));
    }
}
