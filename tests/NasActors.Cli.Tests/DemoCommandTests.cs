using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A tiny search on the fake data set, with a three-architecture ground truth.</summary>
    string TinySpec()
    {
        var data = FakeFashionMnist.Write(Directory.CreateDirectory(_temp.File("data")).FullName);
        var truth = _temp.File("truth.csv");
        var rows = new[]
        {
            ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 0.91),
            ("|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|", 0.88),
            ("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|", 0.70),
        };
        File.WriteAllLines(truth, ["arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images",
            .. rows.SelectMany(r => new[] { 1, 2 }.Select(seed => $"{r.Item1},{seed},1,{r.Item2},{r.Item2},1,1,1,2,1,8,300"))]);
        var spec = _temp.File("tiny.conf");
        File.WriteAllText(spec, $$"""
            search {
              name = tiny
              data { dataset = fashion-mnist, data-dir = "{{data}}", image-size = 8, validation-size = 100, evaluation-images = 100 }
              supernet { channels = 2, cells = 1 }
              training { steps = 10, batch-size = 32, checkpoint-every = 5, threads = 1 }
              strategies {
                a { sampler = uniform, seed = 1 }
                b { sampler = uniform, seed = 2 }
              }
              evolution { population = 2, sample-size = 1, budget = 4 }
              ground-truth = "{{truth}}"
            }
            """);
        return spec;
    }

    [Fact]
    public async Task Demo_should_run_a_search_through_the_actors_and_print_progress_leaderboards_and_ranking_quality()
    {
        var run = await NasProcess.RunAsync(["demo", "--spec", TinySpec(), "--state-dir", _temp.File("state"), "--poll", "0.5"]);

        NasAssert.Succeeded(run);
        Assert.Matches(@"^search tiny-\d{8}-\d{6}-1: 2 strategies", run.StdoutLines[0]);
        // A loss that printed as NaN or Infinity would not match: the numbers must be finite.
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^\[\s*\d+s\] a\s+step 5/10  loss \d+\.\d{4}  [\d,]+ images/s"));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^search tiny-.+ completed after \d+ s$"));
        foreach (var strategy in new[] { "a", "b" })
        {
            var leaderboard = run.StdoutLines.SkipWhile(l => !l.StartsWith($"{strategy}: top ", StringComparison.Ordinal)).Skip(1)
                                             .TakeWhile(l => !l.StartsWith("ranking quality", StringComparison.Ordinal)).ToArray();
            Assert.InRange(leaderboard.Length, 1, 4);
            Assert.All(leaderboard, l => Assert.Matches(@"^\d{1,3}\.\d\d%\s+(\d{1,3}\.\d\d%|-)\s+\|.+\|$", l));
        }
        Assert.Equal(2, run.StdoutLines.Count(l => Regex.IsMatch(l,
            @"^ranking quality over 3 ground-truth architectures: Kendall tau -?\d\.\d{3}, Spearman rho -?\d\.\d{3}, top-10 overlap n/a \(10 or fewer architectures\)$")));
    }

    [Fact]
    public async Task Demo_resume_with_nothing_to_resume_should_say_so_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync(["demo", "--resume", "--state-dir", _temp.File("empty")]);

        NasAssert.UsageError(run, "nothing to resume", "./nas demo");
    }
}
