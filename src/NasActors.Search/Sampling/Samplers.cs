using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>The path-sampling strategies a search spec can name; a new strategy is one more entry here. Each factory
/// reads its own settings (with range checks) from the context.</summary>
public static class Samplers
{
    static readonly Dictionary<string, Func<SamplerContext, IPathSampler>> ByName = new(StringComparer.Ordinal)
    {
        [UniformSampler.Name] = c => new UniformSampler(c.Space, c.Seed),
        [FairSampler.Name] = c => new FairSampler(c.Space, c.Seed),
        [MagicTSampler.Name] = c => new MagicTSampler(c.Space, c.Seed),
        [SandwichSampler.Name] = c => new SandwichSampler(c.Space, c.Seed, c.Settings.Int("random-paths", 2, min: 0, max: 32)),
        [FewShotSampler.Name] = c => new FewShotSampler(c, FewShotSplit.Of(FewShotSampler.Name, c)!),
        [FewShotSampler.GradientMatchingName] = c => new FewShotSampler(c, FewShotSplit.Of(FewShotSampler.GradientMatchingName, c)!),
        [PadaSampler.Name] = c => new PadaSampler(c.Space, c.Seed, c.TotalSteps, c.StepsPerEpoch),
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

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
