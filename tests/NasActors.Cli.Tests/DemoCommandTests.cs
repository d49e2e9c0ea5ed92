using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Demo_should_run_a_search_through_the_actors_and_print_progress_leaderboards_and_ranking_quality()
    {
        var run = await NasProcess.RunAsync(["demo", "--spec", TinySearch.Write(_temp), "--state-dir", _temp.File("state"), "--poll", "0.5", "--dashboard-port", "0"]);

        NasAssert.Succeeded(run);
        Assert.Matches(@"^search tiny-\d{8}-\d{6}-1: 2 strategies", run.StdoutLines[0]);
        // A loss that printed as NaN or Infinity would not match: the numbers must be finite.
        // Polled progress may skip the middle checkpoint of so short a training, never the last.
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^\[\s*\d+s\] a\s+(step \d+/10|trained)  loss \d+\.\d{4}  [\d,]+ images/s"));
        Assert.Contains(run.StdoutLines, l => Regex.IsMatch(l, @"^search tiny-.+ completed after \d+ s$"));
        foreach (var strategy in new[] { "a", "b" })
        {
            var leaderboard = run.StdoutLines.SkipWhile(l => !l.StartsWith($"{strategy}: top ", StringComparison.Ordinal)).Skip(1)
                                             .TakeWhile(l => !l.StartsWith("ranking quality", StringComparison.Ordinal)).ToArray();
            Assert.InRange(leaderboard.Length, 1, 4);
            // accuracy, truth, how many strings compute the function, its canonical form
            Assert.All(leaderboard, l => Assert.Matches(@"^\d{1,3}\.\d\d%\s+(\d{1,3}\.\d\d%|-)\s+\d+\s+\|.+\|$", l));
            Assert.Equal(leaderboard.Length, leaderboard.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]).Distinct().Count());
        }
        Assert.Equal(2, run.StdoutLines.Count(l => Regex.IsMatch(l,
            @"^ranking quality over 3 ground-truth architectures: Kendall tau -?\d\.\d{3}, Spearman rho -?\d\.\d{3}, top-10 overlap n/a \(10 or fewer architectures\); its best estimate is at the truth's \d+ ?% percentile, its best five at \d+ ?% on average$")));
    }

    [Fact]
    public async Task Demo_should_print_the_floor_that_estimators_set_under_the_supernets_and_a_combination_beside_them()
    {
        var spec = TinySearch.Write(_temp, "p { estimator = params }\n    n { estimator = naswot, batch-size = 16, batches = 1, initialisations = 1 }\n" +
                                           "    s { estimator = short-training, steps = 2, batch-size = 16 }");
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("  evolution {", "  combine { mix = [a, p] }\n  evolution {"));
        var run = await NasProcess.RunAsync(["demo", "--spec", spec, "--state-dir", _temp.File("state"), "--poll", "0.5", "--dashboard-port", "0"]);

        NasAssert.Succeeded(run);
        Assert.True(run.StdoutLines.Any(l => l.StartsWith("n: top ", StringComparison.Ordinal) && l.Contains("naswot score of a freshly initialised child, no supernet")), run.ToString());
        Assert.True(run.StdoutLines.Any(l => Regex.IsMatch(l, @"^floor \(no supernet\): parameter count Kendall tau -?\d\.\d{3}, best zero-cost estimator naswot -?\d\.\d{3}, s \(children trained briefly\) -?\d\.\d{3}; a -?\d\.\d{3} (clears|does not clear) it, b -?\d\.\d{3} (clears|does not clear) it, mix \(a \+ p\) -?\d\.\d{3} (clears|does not clear) it$")), run.ToString());
        // Each member scored the other's best: the combination ranks children, not just the probes.
        Assert.True(run.StdoutLines.Any(l => Regex.IsMatch(l, @"^mix: top [1-9]\d* child models") && l.Contains("mean rank under a, p as a share")), run.ToString());
    }

    [Fact]
    public async Task Demo_resume_with_nothing_to_resume_should_say_so_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync(["demo", "--resume", "--state-dir", _temp.File("empty")]);

        NasAssert.UsageError(run, "nothing to resume", "./nas demo");
    }

    [Fact]
    public async Task Demo_with_tensorboard_should_leave_event_files_per_strategy_that_decode_to_the_training_scalars()
    {
        var events = _temp.File("tb");
        var run = await NasProcess.RunAsync(["demo", "--spec", TinySearch.Write(_temp), "--state-dir", _temp.File("state"), "--poll", "0.5",
                                             "--dashboard-port", "0", "--tensorboard", events]);

        NasAssert.Succeeded(run);
        var search = Assert.Single(Directory.GetDirectories(events));
        Assert.Matches(@"^tiny-\d{8}-\d{6}-1$", Path.GetFileName(search));
        foreach (var strategy in new[] { "a", "b" })
        {
            var file = Assert.Single(Directory.GetFiles(Path.Combine(search, strategy), "events.out.tfevents.*"));
            var scalars = TensorBoardEvents.Read(file).Where(v => v.Scalar is not null).ToList();
            foreach (var tag in new[] { "train/loss", "train/images_per_second", "train/learning_rate", "train/gradient_norm" })
                Assert.Contains(scalars, v => v.Tag == tag && v.Step == 10 && float.IsFinite(v.Scalar!.Value));
            var evaluations = Directory.GetFiles(Path.Combine(search, strategy, "evaluation"), "events.out.tfevents.*")
                                       .SelectMany(TensorBoardEvents.Read).Where(v => v.Tag == "eval/accuracy").ToList();
            Assert.NotEmpty(evaluations);
            Assert.All(evaluations, v => Assert.InRange(v.Scalar!.Value, 0f, 1f));
        }
    }

    [Fact]
    public async Task Demo_with_an_unwritable_tensorboard_folder_should_say_so_with_exit_code_2()
    {
        var run = await NasProcess.RunAsync(["demo", "--spec", TinySearch.Write(_temp), "--state-dir", _temp.File("state"), "--tensorboard", "/dev/null/tb"]);

        NasAssert.UsageError(run, "/dev/null/tb", "cannot be written");
    }
}
