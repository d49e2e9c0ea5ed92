using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Sampling;

/// <summary>The defining property of each path-only strategy.</summary>
public sealed class PathStrategyTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    [Fact]
    public void Fair_should_use_every_option_of_every_decision_exactly_once_per_step()
    {
        var sampler = new FairSampler(Space, 1);
        Assert.Equal(5, sampler.PathsPerStep);
        for (var step = 0; step < 200; step++)
        {
            var paths = sampler.NextStep();
            Assert.Equal(5, paths.Count);
            for (var d = 0; d < Space.Decisions.Count; d++)
                Assert.Equal([0, 1, 2, 3, 4], paths.Select(p => p[d]).Order());
        }
    }

    [Fact]
    public void Fair_should_draw_fresh_permutations_every_step()
    {
        var sampler = new FairSampler(Space, 2);
        var steps = Enumerable.Range(0, 50).Select(_ => string.Join(" ", sampler.NextStep())).ToArray();
        // Fixed permutations (a bug of one reference implementation) would repeat the same 5 paths.
        Assert.True(steps.Distinct().Count() > 45);
    }

    [Fact]
    public void MagicT_consecutive_paths_should_differ_in_exactly_one_decision()
    {
        var sampler = new MagicTSampler(Space, 3);
        var previous = Assert.Single(sampler.NextStep());
        var changedDecisions = new int[Space.Decisions.Count];
        for (var step = 0; step < 3000; step++)
        {
            var next = Assert.Single(sampler.NextStep());
            Assert.Equal(1, previous.DistanceTo(next));
            for (var d = 0; d < next.DecisionCount; d++) if (next[d] != previous[d]) changedDecisions[d]++;
            previous = next;
        }
        // Which decision changes is uniform: 500 each expected, standard deviation about 20.
        Assert.All(changedDecisions, count => Assert.InRange(count, 400, 600));
    }

    [Fact]
    public void MagicT_should_still_visit_every_option_over_time()
    {
        var sampler = new MagicTSampler(Space, 4);
        var seen = new HashSet<(int, int)>();
        for (var step = 0; step < 500; step++)
        {
            var path = Assert.Single(sampler.NextStep());
            for (var d = 0; d < path.DecisionCount; d++) seen.Add((d, path[d]));
        }
        Assert.Equal(30, seen.Count);
    }

    [Fact]
    public void Sandwich_should_train_the_largest_the_smallest_and_k_random_paths()
    {
        var sampler = Samplers.Create(SandwichSampler.Name, new SamplerContext(Space, 5,
            new StrategySettings(new Dictionary<string, string> { ["random-paths"] = "3" }, "test"), 100, 10));
        Assert.Equal(5, sampler.PathsPerStep);
        var randoms = new List<Architecture>();
        for (var step = 0; step < 100; step++)
        {
            var paths = sampler.NextStep();
            Assert.Equal(Space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"), paths[0]);
            Assert.Equal(Space.Parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"), paths[1]);
            randoms.AddRange(paths.Skip(2));
        }
        Assert.Equal(300, randoms.Count);
        Assert.True(randoms.Distinct().Count() > 290);
    }

    [Fact]
    public void FewShot_should_train_the_parent_uniformly_then_rotate_the_sub_supernets()
    {
        var context = new SamplerContext(Space, 6, new StrategySettings(new Dictionary<string, string>
            { ["split-edge"] = "2<-1", ["split-at"] = "0.4" }, "test"), 100, 10);
        var sampler = (FewShotSampler)Samplers.Create(FewShotSampler.Name, context);
        Assert.Equal(new FewShotSplit(Nb201Space.EdgeIndex(2, 1), 40, 5), sampler.Split);

        var paths = Enumerable.Range(0, 100).Select(_ => Assert.Single(sampler.NextStep())).ToArray();

        Assert.Equal(5, paths.Take(40).Select(p => p[2]).Distinct().Count());
        for (var step = 40; step < 100; step++) Assert.Equal((step - 40) % 5, paths[step][2]);
    }

    [Fact]
    public void FewShot_gm_should_split_into_two_groups_by_gradient_while_every_option_takes_its_turn()
    {
        var context = new SamplerContext(Space, 6, StrategySettings.Empty(), 100, 10);
        var sampler = (FewShotSampler)Samplers.Create(FewShotSampler.GradientMatchingName, context);
        Assert.Equal(new FewShotSplit(Nb201Space.EdgeIndex(3, 0), 50, 5) { Groups = 2 }, sampler.Split);
        Assert.Equal(SplitCriterion.Gradients, sampler.Split.Criterion);
        Assert.Equal(FewShotSampler.GradientMatchingName, sampler.Strategy);

        var paths = Enumerable.Range(0, 100).Select(_ => Assert.Single(sampler.NextStep())).ToArray();

        // Each option trains as often as the others, so a group trains in proportion to the children it scores.
        for (var step = 50; step < 100; step++) Assert.Equal((step - 50) % 5, paths[step][Nb201Space.EdgeIndex(3, 0)]);
        Assert.Equal(SplitCriterion.OnePerOption, ((FewShotSampler)Samplers.Create(FewShotSampler.Name, context)).Split.Criterion);
        Assert.Equal("3<-0 into {none, nor_conv_1x1, nor_conv_3x3} {skip_connect, avg_pool_3x3}", sampler.Split.Describe(Space, [0, 1, 0, 0, 1]));
    }

    [Fact]
    public void FewShot_lid_should_group_by_intrinsic_dimension_with_its_own_settings_and_refuse_gradient_ones()
    {
        var settings = new StrategySettings(new Dictionary<string, string> { ["lid-k"] = "12", ["lid-batches"] = "3" }, "search.strategies.lid");
        var sampler = (FewShotSampler)Samplers.Create(FewShotSampler.IntrinsicDimensionName, new SamplerContext(Space, 6, settings, 100, 10));
        settings.RejectUnknown(FewShotSampler.IntrinsicDimensionName);

        Assert.Equal(SplitCriterion.IntrinsicDimension, sampler.Split.Criterion);
        Assert.Equal(FewShotSampler.IntrinsicDimensionName, sampler.Strategy);
        Assert.Equal((2, 12, 3, 50L), (sampler.Split.Groups, sampler.Split.LidNeighbours, sampler.Split.LidBatches, sampler.Split.AtStep));
        var defaults = FewShotSplit.Of(FewShotSampler.IntrinsicDimensionName, new SamplerContext(Space, 6, StrategySettings.Empty(), 100, 10))!;
        Assert.Equal((FewShotSplit.DefaultLidNeighbours, 1), (defaults.LidNeighbours, defaults.LidBatches));

        var gradientSetting = new StrategySettings(new Dictionary<string, string> { ["matching-batches"] = "4" }, "search.strategies.lid");
        var error = Assert.Throws<NasException>(() =>
        {
            Samplers.Create(FewShotSampler.IntrinsicDimensionName, new SamplerContext(Space, 6, gradientSetting, 100, 10));
            gradientSetting.RejectUnknown(FewShotSampler.IntrinsicDimensionName);
        });
        Assert.Contains("matching-batches", error.Message);
        var badK = new StrategySettings(new Dictionary<string, string> { ["lid-k"] = "1" }, "search.strategies.lid");
        Assert.Contains("lid-k = 1 is invalid: expected 2 to 1000",
                        Assert.Throws<NasException>(() => Samplers.Create(FewShotSampler.IntrinsicDimensionName, new SamplerContext(Space, 6, badK, 100, 10))).Message);
    }

    [Fact]
    public void FewShot_should_split_the_input_to_output_edge_halfway_by_default()
    {
        var split = FewShotSplit.From(new SamplerContext(Space, 1, StrategySettings.Empty(), 600, 10));
        Assert.Equal(new FewShotSplit(Nb201Space.EdgeIndex(3, 0), 300, 5), split);
    }

    [Theory]
    [InlineData("split-edge", "4<-0", "split-edge = 4<-0 is invalid")]
    [InlineData("split-at", "1.5", "split-at = 1.5 is invalid: expected 0 to 1")]
    [InlineData("groups", "1", "groups = 1 is invalid: expected 2 to 5")]
    [InlineData("groups", "6", "groups = 6 is invalid: expected 2 to 5")]
    [InlineData("matching-batches", "0", "matching-batches = 0 is invalid: expected 1 to 1000")]
    [InlineData("split-on", "3", "unknown setting split-on")]
    public void Bad_few_shot_settings_should_name_the_setting(string key, string value, string expected)
    {
        var settings = new StrategySettings(new Dictionary<string, string> { [key] = value }, "search.strategies.few");
        var error = Assert.Throws<NasException>(() =>
        {
            Samplers.Create(FewShotSampler.Name, new SamplerContext(Space, 1, settings, 100, 10));
            settings.RejectUnknown(FewShotSampler.Name);
        });
        Assert.Contains(expected, error.Message);
        Assert.Contains("search.strategies.few", error.Message);
    }
}
