using NasActors.Actors.Runs;
using NasActors.Torch.Estimators;

namespace NasActors.Actors.Tests.Runs;

public class SearchSpecTests
{
    internal const string Minimal = """
        search {
          name = tiny
          data { dataset = fashion-mnist, image-size = 8, evaluation-images = 100 }
          supernet { channels = 2, cells = 1 }
          training { steps = 10, checkpoint-every = 5 }
          strategies {
            a { sampler = uniform, seed = 1 }
            b { sampler = uniform, seed = 2 }
          }
          evolution { population = 2, sample-size = 1, budget = 3 }
        }
        """;

    static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln"))) return Path.Combine(directory.FullName, relative);
        throw new FileNotFoundException("repository root not found above the test output");
    }

    [Fact]
    public void The_shipped_demo_spec_should_parse_with_two_fine_tuned_supernets_and_two_estimators()
    {
        var spec = SearchSpec.Load(RepositoryFile("hocon/searches/demo.conf"));
        Assert.Equal("demo", spec.Name);
        Assert.Equal(["conv-weight-2", "conv-weight-4", "naswot", "params"], spec.Strategies.Select(s => s.Id));
        Assert.Equal([false, false, true, true], spec.Strategies.Select(s => s.IsEstimator));
        Assert.All(spec.Strategies.Where(s => !s.IsEstimator), s => Assert.Equal(40, s.FineTuning("demo")!.Steps));
        Assert.Equal(2000, spec.Training.Steps);
        Assert.Equal(20, spec.Evolution.Budget);
        // The estimators score children shaped like the table's, which is deeper than the supernet.
        Assert.Equal((2, 5), (spec.Supernet.CellsPerStage, spec.Strategies.Single(s => s.Id == "params").EstimatorSettings("demo").Cells!.Value));
        Assert.Equal("data/groundtruth/nb201-fashion-mnist-8px-n5-e6.csv", spec.GroundTruth);
    }

    [Fact]
    public void The_shipped_learning_rate_probe_should_read_no_ground_truth()
    {
        var spec = SearchSpec.Load(RepositoryFile("hocon/searches/lr-probe.conf"));
        Assert.Null(spec.GroundTruth);
        Assert.Equal((8, 3, 8), (spec.Supernet.Channels, spec.Supernet.CellsPerStage, spec.Data.ImageSize));
        Assert.Equal(30, spec.Evolution.PopulationSize);
    }

    [Fact]
    public void Settings_left_out_should_take_their_defaults_and_strategies_their_order_by_id()
    {
        var spec = SearchSpec.Parse(Minimal);
        Assert.Equal("nb201", spec.Space);
        Assert.Equal(128, spec.Training.BatchSize);
        Assert.Equal(10_000, spec.Data.ValidationSize);
        Assert.Equal(50, SearchSpec.Parse(Minimal.Replace("evaluation-images = 100", "validation-size = 50")).Data.EvaluationImages);  // never more than are held out
        Assert.Equal([("a", 1UL), ("b", 2UL)], spec.Strategies.Select(s => (s.Id, s.Seed)));
        Assert.False(spec.Evaluation.Faults.Any);
        Assert.Equal(Minimal, spec.Text);
    }

    [Theory]
    [InlineData("sampler = uniform, seed = 1", "sampler = magic, seed = 1", "search.strategies.a.sampler = magic", "uniform")]
    [InlineData("steps = 10", "steps = 0", "search.training.steps = 0", "at least 1")]
    [InlineData("steps = 10", "steps = ten", "search.training.steps = ten", "whole number")]
    [InlineData("steps = 10", "steps = 10, tensorboard = \"\"", "search.training.tensorboard", "a folder for TensorBoard event files")]
    [InlineData("dataset = fashion-mnist", "dataset = imagenet", "search.data.dataset = imagenet", "fashion-mnist")]
    [InlineData("evaluation-images = 100", "evaluation-images = 100, validation-size = 50", "search.data.evaluation-images = 100", "1 to 50")]
    [InlineData("name = tiny", "name = tiny\n  space = darts", "search.space = darts", "nb201")]
    [InlineData("budget = 3", "budget = 1", "search.evolution.budget = 1", "at least 2")]
    [InlineData("sampler = uniform, seed = 2", "sampler = sandwich, seed = 2, random-paths = 40", "search.strategies.b.random-paths = 40", "0 to 32")]
    [InlineData("sampler = uniform, seed = 2", "sampler = fewshot, seed = 2, split-at = 2", "search.strategies.b.split-at = 2", "0 to 1")]
    [InlineData("sampler = uniform, seed = 2", "sampler = uniform, seed = 2, align = -1", "search.strategies.b.align = -1", "0 to 100")]
    [InlineData("sampler = uniform, seed = 2", "sampler = uniform, seed = 2, random-paths = 3", "search.strategies.b: unknown setting random-paths", "align")]
    [InlineData("sampler = uniform, seed = 2", "sampler = uniform, seed = 2, steps = 0", "search.strategies.b.steps = 0", "at least 1")]
    [InlineData("sampler = uniform, seed = 2", "sampler = uniform, seed = 2, align { weight = 1 }", "search.strategies.b.align", "a plain value")]
    public void A_bad_setting_should_be_refused_naming_the_setting_and_what_is_allowed(string find, string replace, string names, string allowed)
    {
        var error = Assert.Throws<NasException>(() => SearchSpec.Parse(Minimal.Replace(find, replace), "tiny.conf"));
        Assert.Contains("tiny.conf", error.Message);
        Assert.Contains(names, error.Message);
        Assert.Contains(allowed, error.Message);
    }

    [Fact]
    public void Strategy_settings_and_steps_should_be_read_per_strategy()
    {
        var spec = SearchSpec.Parse(Minimal.Replace("b { sampler = uniform, seed = 2 }",
            "b { sampler = sandwich, seed = 2, steps = 4, random-paths = 1 }\n    c { sampler = pada, align = 0.5, anchor-every = 3 }"), "tiny.conf");

        Assert.Equal([10, 4, 10], spec.Strategies.Select(s => s.Steps));
        Assert.Equal("1", spec.Strategies[1].Settings["random-paths"]);
        var (sampler, alignment) = spec.Strategies[2].CreateSampler(NasActors.Search.Spaces.Nb201Space.Instance, 1, 10, "test");
        Assert.Equal("pada", sampler.Strategy);
        Assert.Equal(new NasActors.Search.Sampling.AlignmentSettings(0.5, 3, 8, 500), alignment);
        Assert.Equal(3UL, spec.Strategies[2].Seed);
    }

    [Theory]
    [InlineData("search {\n  a = [1, 2\n}\n", "broken.conf:3", "closes the '['")]
    [InlineData("search {\n  a = 1\n", "broken.conf:1", "'{' is never closed")]
    [InlineData("search {\n  a = 1\n}\n}\n", "broken.conf:4", "closes nothing")]
    [InlineData("search {\n  name = \"open\n}\n", "broken.conf:2", "quoted string")]
    public void Malformed_hocon_should_be_refused_with_file_and_line(string text, string at, string problem)
    {
        var error = Assert.Throws<NasException>(() => SearchSpec.Parse(text, "broken.conf"));
        Assert.StartsWith(at + ": malformed HOCON", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Braces_inside_strings_and_comments_should_not_count()
    {
        var spec = SearchSpec.Parse(Minimal.Replace("name = tiny", "name = \"tiny { [\"  # a comment with } and ]\n  // another ]"));
        Assert.Equal("tiny { [", spec.Name);
    }

    [Fact]
    public void A_spec_without_strategies_should_be_refused()
    {
        var error = Assert.Throws<NasException>(() => SearchSpec.Parse("search { name = x }", "x.conf"));
        Assert.Contains("search.strategies", error.Message);
    }

    [Fact]
    public void A_missing_spec_file_should_be_refused_naming_it()
    {
        var error = Assert.Throws<NasException>(() => SearchSpec.Load("/nonexistent/spec.conf"));
        Assert.Contains("/nonexistent/spec.conf", error.Message);
    }

    internal static string WithEstimator(string entry) =>
        Minimal.Replace("b { sampler = uniform, seed = 2 }", entry);

    [Fact]
    public void An_estimator_strategy_should_train_nothing_and_keep_its_settings()
    {
        var spec = SearchSpec.Parse(WithEstimator("b { estimator = naswot, seed = 2, batch-size = 16, cells = 3 }"));
        var estimator = spec.Strategies.Single(s => s.Id == "b");
        Assert.True(estimator.IsEstimator);
        Assert.Equal(("naswot", 0), (estimator.Sampler, estimator.Steps));
        var settings = estimator.EstimatorSettings("b");
        Assert.Equal((16, 3, (int?)null), (settings.Settings.BatchSize, settings.Cells!.Value, settings.Channels));
        Assert.False(spec.Strategies.Single(s => s.Id == "a").IsEstimator);
    }

    [Theory]
    [InlineData("b { estimator = nosuch }", "search.strategies.b.estimator = nosuch is invalid: expected a known estimator (params, ")]
    [InlineData("b { estimator = synflow, sampler = uniform }", "search.strategies.b = { sampler, estimator } is invalid")]
    [InlineData("b { estimator = synflow, steps = 10 }", "search.strategies.b.steps = 10 is invalid: expected no steps")]
    [InlineData("b { estimator = synflow, batch-size = 1 }", "search.strategies.b.batch-size = 1 is invalid: expected 2 to 4096")]
    [InlineData("b { estimator = zico, initialisations = 99 }", "search.strategies.b.initialisations = 99 is invalid: expected 1 to 16")]
    [InlineData("b { estimator = params, deiso = on }", "unknown setting deiso for strategy 'params'")]
    [InlineData("b { sampler = nosuch }", "an estimator (params, ")]
    [InlineData("b { estimator = short-training, steps = 0 }", "search.strategies.b.steps = 0 is invalid: expected 1 to 100000")]
    [InlineData("b { estimator = short-training, learning-rate = 0 }", "search.strategies.b.learning-rate = 0 is invalid")]
    [InlineData("b { estimator = short-training, initialisations = 2 }", "unknown setting initialisations for strategy 'short-training'")]
    [InlineData("b { sampler = uniform, fine-tune = -1 }", "search.strategies.b.fine-tune = -1 is invalid: expected 0 to 100000")]
    [InlineData("b { sampler = uniform, fine-tune = 10, fine-tune-batch = 1 }", "search.strategies.b.fine-tune-batch = 1 is invalid: expected 2 to 4096")]
    [InlineData("b { sampler = uniform, fine-tune-lr = high }", "search.strategies.b.fine-tune-lr = high is invalid: expected a number")]
    [InlineData("b { sampler = uniform, fine-tune = 10, fine-tune-scope = stem }", "search.strategies.b.fine-tune-scope = stem is invalid: expected one of all, operations")]
    public void A_bad_estimator_entry_should_be_refused_naming_the_setting(string entry, string message)
    {
        var error = Assert.Throws<NasException>(() => SearchSpec.Parse(WithEstimator(entry)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_short_training_estimator_should_keep_its_steps_as_its_own_setting()
    {
        var spec = SearchSpec.Parse(WithEstimator("b { estimator = short-training, steps = 40, batch-size = 64, learning-rate = 0.05, cells = 3 }"));
        var estimator = spec.Strategies.Single(s => s.Id == "b");
        Assert.True(estimator.IsEstimator);
        Assert.Equal(0, estimator.Steps);  // a supernet's budget: none
        var settings = estimator.EstimatorSettings("b");
        Assert.Equal(new ShortTrainingSettings(40, 64, 0.05), settings.ShortTraining);
        Assert.Equal(3, settings.Cells);
        Assert.Equal(new ShortTrainingSettings(), SearchSpec.Parse(WithEstimator("b { estimator = short-training }")).Strategies
            .Single(s => s.Id == "b").EstimatorSettings("b").ShortTraining);
    }

    [Fact]
    public void Fine_tuning_should_be_off_by_default_and_read_from_a_supernet_strategy()
    {
        Assert.Null(SearchSpec.Parse(Minimal).Strategies.Single(s => s.Id == "b").FineTuning("b"));
        var spec = SearchSpec.Parse(WithEstimator("b { sampler = uniform, deiso = on, fine-tune = 30, fine-tune-lr = 0.01 }"));
        Assert.Equal(new ShortTrainingSettings(30, 128, 0.01), spec.Strategies.Single(s => s.Id == "b").FineTuning("b"));
        Assert.Null(SearchSpec.Parse(WithEstimator("b { sampler = uniform, fine-tune = 0 }")).Strategies.Single(s => s.Id == "b").FineTuning("b"));
        var operationsOnly = SearchSpec.Parse(WithEstimator("b { sampler = uniform, fine-tune = 30, fine-tune-scope = operations }"));
        Assert.True(operationsOnly.Strategies.Single(s => s.Id == "b").FineTuning("b")!.OperationsOnly);
    }

    static string WithCombine(string combine) => Minimal.Replace("  evolution {", $"  {combine}\n  evolution {{");

    [Fact]
    public void A_combined_estimator_should_name_its_members_in_the_order_written()
    {
        var spec = SearchSpec.Parse(WithCombine("combine { both = [b, a] }"));
        var combination = Assert.Single(spec.Combinations);
        Assert.Equal("both", combination.Id);
        Assert.Equal(["b", "a"], combination.Members);
        Assert.Empty(SearchSpec.Parse(Minimal).Combinations);
    }

    [Theory]
    [InlineData("combine = [a, b]", "search.combine = [ ... ] is invalid: expected a block of combined estimators")]
    [InlineData("combine { both = a }", "search.combine.both = a is invalid: expected a list of two or more")]
    [InlineData("combine { both { a = 1 } }", "search.combine.both = { ... } is invalid: expected a list")]
    [InlineData("combine { both = [a, nosuch] }", "search.combine.both = [a, nosuch] is invalid: expected strategies of this spec (a, b); nosuch is not one")]
    [InlineData("combine { both = [a] }", "search.combine.both = [a] is invalid: expected two or more different strategies")]
    [InlineData("combine { both = [a, a] }", "search.combine.both = [a, a] is invalid: expected two or more different strategies")]
    [InlineData("combine { a = [a, b] }", "search.combine.a = [ ... ] is invalid: expected an id of its own: a is already a strategy's")]
    [InlineData("combine { both = [a, [b]] }", "search.combine.both[1] = [ ... ] is invalid: expected a plain value")]
    public void A_bad_combined_estimator_should_be_refused_naming_the_setting(string combine, string message)
    {
        var error = Assert.Throws<NasException>(() => SearchSpec.Parse(WithCombine(combine)));
        Assert.Contains(message, error.Message);
    }
}
