using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>The path-sampling strategies a search spec can name; a new strategy is one more entry here. Each factory
/// reads its own settings (with range checks) from the context.</summary>
public static class Samplers
{
    static readonly Dictionary<string, Func<SamplerContext, IPathSampler>> ByName = new(StringComparer.Ordinal)
    {
        [UniformSampler.Name] = c => new UniformSampler(c.Space, c.Seed, PathDistribution.Read(c.Space, c.Settings)),
        [FairSampler.Name] = c => new FairSampler(c.Space, c.Seed),
        [MagicTSampler.Name] = c => new MagicTSampler(c.Space, c.Seed, SingleEdgeMoves(c)),
        [SandwichSampler.Name] = c => new SandwichSampler(c.Space, c.Seed, c.Settings.Int("random-paths", 2, min: 0, max: 32), PathDistribution.Read(c.Space, c.Settings)),
        [FewShotSampler.Name] = c => new FewShotSampler(c, FewShotSplit.Of(FewShotSampler.Name, c)!, PathDistribution.Read(c.Space, c.Settings)),
        [FewShotSampler.GradientMatchingName] = c => new FewShotSampler(c, FewShotSplit.Of(FewShotSampler.GradientMatchingName, c)!, PathDistribution.Read(c.Space, c.Settings)),
        [FewShotSampler.IntrinsicDimensionName] = c => new FewShotSampler(c, FewShotSplit.Of(FewShotSampler.IntrinsicDimensionName, c)!, PathDistribution.Read(c.Space, c.Settings)),
        [PadaSampler.Name] = c => new PadaSampler(c.Space, c.Seed, c.TotalSteps, c.StepsPerEpoch),
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>MAGIC-T's walk moves one edge at a time: it takes deiso, but a weight over whole paths would only shape its
    /// first one.</summary>
    static PathDistribution SingleEdgeMoves(SamplerContext context)
    {
        var paths = PathDistribution.Read(context.Space, context.Settings);
        return paths.ConvolutionWeight == 1 ? paths
            : throw new NasException($"{context.Settings.Source}.{PathDistribution.ConvolutionWeightSetting} is invalid for strategy '{MagicTSampler.Name}': " +
                                     "it walks one edge at a time, so a weight over whole paths would shape only its first path; use uniform or sandwich for weighted paths");
    }

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    public static IPathSampler Create(string name, SamplerContext context) =>
        ByName.TryGetValue(name, out var create)
            ? create(context)
            : throw new NasException($"unknown strategy '{name}'; known strategies: {string.Join(", ", ByName.Keys)}");

    /// <summary>A strategy with default settings (tests, benchmarks).</summary>
    public static IPathSampler Create(string name, IChoiceSpace space, ulong seed, long totalSteps = 1000, int stepsPerEpoch = 100) =>
        Create(name, new SamplerContext(space, seed, StrategySettings.Empty(), totalSteps, stepsPerEpoch));

    /// <summary>The order in which a strategy's supernet sees the training data: PA&amp;DA draws it by importance, every
    /// other strategy takes a fresh permutation per epoch.</summary>
    public static IDataOrder DataOrder(string name, IReadOnlyList<int> indices, int batchSize, ulong seed, long totalSteps) =>
        name == PadaSampler.Name
            ? new ImportanceDataOrder(indices, batchSize, seed, totalSteps)
            : new EpochOrder(indices, batchSize, seed);
}
