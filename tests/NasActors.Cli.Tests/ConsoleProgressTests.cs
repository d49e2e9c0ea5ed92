using NasActors.Cli.Output;

namespace NasActors.Cli.Tests;

public sealed class ConsoleProgressTests
{
    [Fact]
    public void The_bar_should_show_the_fraction_and_the_time_left_at_the_current_rate()
    {
        var line = ConsoleProgress.Render("demo", 30, 120, TimeSpan.FromSeconds(60), "seed 1", 100);
        Assert.Equal("demo [######..................]  25%  ETA 3m00s  seed 1", line);
    }

    [Fact]
    public void The_bar_should_say_when_it_is_done_and_fit_the_width()
    {
        Assert.StartsWith("x [########################] 100%  done in 1h05m", ConsoleProgress.Render("x", 5, 5, TimeSpan.FromMinutes(65), "", 80));
        Assert.Equal(20, ConsoleProgress.Render("ground truth", 1, 4, TimeSpan.FromSeconds(5), "a long detail", 20).Length);
        Assert.Contains("ETA --", ConsoleProgress.Render("x", 0, 4, TimeSpan.Zero, "", 80));
    }

    [Fact]
    public void Without_a_terminal_only_the_ordinary_lines_should_be_written()
    {
        var output = new StringWriter();
        using (var progress = new ConsoleProgress("demo", 10, output, interactive: false))
        {
            progress.Report(3, "x");
            progress.WriteLine("epoch 1");
            progress.Report(10);
        }
        Assert.Equal("epoch 1" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void On_a_terminal_lines_should_go_above_a_bar_redrawn_in_place()
    {
        var output = new StringWriter();
        using (var progress = new ConsoleProgress("demo", 10, output, interactive: true))
        {
            progress.Report(5);
            progress.WriteLine("epoch 1");
        }
        var text = output.ToString();
        Assert.Contains("\r\u001b[2Kepoch 1" + Environment.NewLine, text);
        Assert.Contains("50%", text);
        Assert.EndsWith(Environment.NewLine, text);
        Assert.DoesNotContain("\n\n", text.Replace("\r\n", "\n"));
    }
}
