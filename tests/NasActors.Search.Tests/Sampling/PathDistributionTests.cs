using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Sampling;

/// <summary>What training paths are drawn from: strings (SPOS), distinct functions (deiso), weighted by convolutions.</summary>
public sealed class PathDistributionTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    static PathDistribution Read(params (string Key, string Value)[] settings) =>
        PathDistribution.Read(Space, new StrategySettings(settings.ToDictionary(s => s.Key, s => s.Value), "search.strategies.s"));

    [Fact]
    public void Canonical_forms_should_count_nb201s_distinct_functions_and_every_string_once()
    {
        var functions = CanonicalForms.Of(Space);
        Assert.Equal(9_445, functions.Distinct.Count);
        Assert.Equal(15_625, functions.Distinct.Sum(functions.AliasCount));
        // The identity cell (a skip on 3<-0, nothing else live) is computed by every string whose other nodes are cut off.
        var identity = Space.Parse("|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
        var strings = Enumerable.Range(0, 15_625).Count(i => Space.Canonicalize(Architecture.FromIndex(Space, i)).Equals(identity));
        Assert.True(strings > 100);
        Assert.Equal(strings, functions.AliasCount(identity));
        Assert.Equal(1, functions.AliasCount(Space.Largest));
    }

    [Fact]
    public void Default_settings_should_draw_exactly_what_spos_drew()
    {
        var distribution = Read();
        Assert.True(distribution.IsUniform);
        var (a, b) = (new Rng(7), new Rng(7));
        for (var i = 0; i < 100; i++) Assert.Equal(ArchitectureSampling.Uniform(Space, a), distribution.Draw(b));
    }

    [Fact]
    public void Deiso_should_draw_canonical_forms_uniformly_over_functions()
    {
        var distribution = Read(("deiso", "on"));
        var rng = new Rng(3);
        var draws = Enumerable.Range(0, 60_000).Select(_ => distribution.Draw(rng)).ToArray();
        Assert.All(draws.Take(500), path => Assert.Equal(Space.Canonicalize(path), path));
        // Uniform over 9,445 functions: the identity cell is drawn 1/9,445 of the time (about 6.4 times in 60,000), not
        // in proportion to the strings that compute it, as uniform strings draw it.
        var identity = Space.Parse("|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
        Assert.InRange(draws.Count(d => d.Equals(identity)), 0, 20);
        var expectedSpos = 60_000.0 * CanonicalForms.Of(Space).AliasCount(identity) / 15_625;
        var spos = new Rng(3);
        var sposDraws = Enumerable.Range(0, 60_000).Count(_ => Space.Canonicalize(ArchitectureSampling.Uniform(Space, spos)).Equals(identity));
        Assert.InRange(sposDraws, expectedSpos * 0.7, expectedSpos * 1.3);
        Assert.True(expectedSpos > 60);
    }

    [Fact]
    public void Conv_weight_should_favour_convolutions_by_its_power()
    {
        var weighted = Read(("deiso", "on"), ("conv-weight", "2"));
        var plain = Read(("deiso", "on"));
        var (rngA, rngB) = (new Rng(5), new Rng(5));
        double MeanConvolutions(PathDistribution d, Rng rng) =>
            Enumerable.Range(0, 20_000).Average(_ => Nb201Space.LiveConvolutions(d.Draw(rng)));
        var functions = CanonicalForms.Of(Space).Distinct;
        // Exact expectations over the 9,445 functions, weights 1 and 2^convolutions.
        var expectedPlain = functions.Average(f => (double)Nb201Space.LiveConvolutions(f));
        var expectedWeighted = functions.Sum(f => Math.Pow(2, Nb201Space.LiveConvolutions(f)) * Nb201Space.LiveConvolutions(f))
                               / functions.Sum(f => Math.Pow(2, Nb201Space.LiveConvolutions(f)));
        Assert.True(expectedWeighted > expectedPlain + 0.5);
        Assert.InRange(MeanConvolutions(plain, rngA), expectedPlain - 0.05, expectedPlain + 0.05);
        Assert.InRange(MeanConvolutions(weighted, rngB), expectedWeighted - 0.05, expectedWeighted + 0.05);
    }

    [Theory]
    [InlineData("deiso", "maybe", "search.strategies.s.deiso = maybe is invalid: expected one of on, off")]
    [InlineData("conv-weight", "0", "search.strategies.s.conv-weight = 0 is invalid: expected 0.1 to 16")]
    [InlineData("conv-weight", "lots", "search.strategies.s.conv-weight = lots is invalid: expected a number")]
    public void Bad_settings_should_name_the_setting(string key, string value, string message)
    {
        var error = Assert.Throws<NasException>(() => Read((key, value)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Deiso_on_a_space_without_canonical_forms_should_be_refused_naming_the_setting()
    {
        var space = new ChainSpace();
        var error = Assert.Throws<NasException>(() =>
            PathDistribution.Read(space, new StrategySettings(new Dictionary<string, string> { ["deiso"] = "on" }, "search.strategies.s")));
        Assert.Contains("search.strategies.s.deiso = on is invalid", error.Message);
        Assert.Contains("no canonical forms", error.Message);
        Assert.True(PathDistribution.Read(space, StrategySettings.Empty()).IsUniform);
    }

    [Fact]
    public void Magic_t_with_deiso_should_change_the_function_at_every_move()
    {
        var sampler = Samplers.Create(MagicTSampler.Name, new SamplerContext(Space, 4,
            new StrategySettings(new Dictionary<string, string> { ["deiso"] = "on" }, "s"), 1000, 100));
        var previous = Assert.Single(sampler.NextStep());
        for (var step = 0; step < 2000; step++)
        {
            var next = Assert.Single(sampler.NextStep());
            Assert.Equal(1, previous.DistanceTo(next));
            Assert.NotEqual(Space.Canonicalize(previous), Space.Canonicalize(next));
            previous = next;
        }
    }

    [Fact]
    public void Samplers_that_cannot_honour_path_settings_should_refuse_them()
    {
        var weighted = new StrategySettings(new Dictionary<string, string> { ["conv-weight"] = "2" }, "search.strategies.m");
        var error = Assert.Throws<NasException>(() => Samplers.Create(MagicTSampler.Name, new SamplerContext(Space, 1, weighted, 10, 10)));
        Assert.StartsWith("search.strategies.m.conv-weight is invalid for strategy 'magic-t'", error.Message);
        foreach (var strict in new[] { FairSampler.Name, PadaSampler.Name })
        {
            var settings = new StrategySettings(new Dictionary<string, string> { ["deiso"] = "on" }, "search.strategies.x");
            Samplers.Create(strict, new SamplerContext(Space, 1, settings, 10, 10));
            Assert.Throws<NasException>(() => settings.RejectUnknown(strict));
        }
    }

    [Fact]
    public void Uniform_sandwich_and_fewshot_should_draw_their_random_paths_over_functions_with_deiso()
    {
        foreach (var name in new[] { UniformSampler.Name, SandwichSampler.Name, FewShotSampler.Name })
        {
            var settings = new StrategySettings(new Dictionary<string, string> { ["deiso"] = "on" }, "s");
            var sampler = Samplers.Create(name, new SamplerContext(Space, 9, settings, 1000, 100));
            settings.RejectUnknown(name);
            // Before a few-shot split every path is a random one; a sandwich's random paths follow its two extremes.
            var random = Enumerable.Range(0, 50).SelectMany(_ => sampler.NextStep().Skip(name == SandwichSampler.Name ? 2 : 0)).ToArray();
            Assert.All(random, path => Assert.Equal(Space.Canonicalize(path), path));
        }
    }

    /// <summary>A two-decision space that cannot tell which architectures compute the same function.</summary>
    sealed class ChainSpace : IChoiceSpace
    {
        public string Name => "chain";
        public IReadOnlyList<Decision> Decisions { get; } = [new("k1", ["3", "5"]), new("k2", ["3", "5"])];
        public long Size => 4;
        public Architecture Parse(string text) => throw new NotSupportedException();
        public string Format(Architecture architecture) => string.Join(",", architecture.Choices);
        public Architecture Canonicalize(Architecture architecture) => architecture;
        public Architecture Largest => new(this, [1, 1]);
        public Architecture Smallest => new(this, [0, 0]);
    }
}
