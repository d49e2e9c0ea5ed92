using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Sampling;

/// <summary>What every strategy shares: determinism by seed and exact continuation after a restore.</summary>
public sealed class StrategySamplerTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    public static TheoryData<string> Strategies => new(Samplers.Names);

    static IPathSampler Create(string name, ulong seed) => Samplers.Create(name, Space, seed, totalSteps: 300, stepsPerEpoch: 20);

    /// <summary>Steps with feedback, as training gives it (gradient norms that favour 3x3 convolutions).</summary>
    static List<IReadOnlyList<Architecture>> Run(IPathSampler sampler, int steps, long firstStep = 0)
    {
        var proposed = new List<IReadOnlyList<Architecture>>();
        for (var s = 0; s < steps; s++)
        {
            var paths = sampler.NextStep();
            proposed.Add(paths);
            var norms = Enumerable.Range(0, Space.Decisions.Count).Select(d => paths[0][d] switch { 2 => 1.0, 3 => 3.0, _ => 0.0 }).ToArray();
            sampler.Observe(new StepFeedback(firstStep + s, paths, paths.Select(_ => 2.0).ToArray(), norms));
        }
        return proposed;
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Same_seed_should_give_the_same_paths(string strategy)
    {
        Assert.Equal(Run(Create(strategy, 3), 120).SelectMany(p => p), Run(Create(strategy, 3), 120).SelectMany(p => p));
        Assert.NotEqual(Run(Create(strategy, 3), 120).SelectMany(p => p), Run(Create(strategy, 4), 120).SelectMany(p => p));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void RestoreState_should_continue_exactly_as_an_uninterrupted_sampler(string strategy)
    {
        var uninterrupted = Run(Create(strategy, 5), 200).SelectMany(p => p).ToArray();
        var original = Create(strategy, 5);
        Run(original, 90);

        var resumed = Create(strategy, 999);
        resumed.RestoreState(original.SaveState());

        Assert.Equal(uninterrupted.Skip(90 * original.PathsPerStep), Run(resumed, 110, firstStep: 90).SelectMany(p => p));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Each_step_should_have_the_paths_per_step_the_strategy_declares(string strategy)
    {
        var sampler = Create(strategy, 6);
        Assert.All(Run(sampler, 50), paths => Assert.Equal(sampler.PathsPerStep, paths.Count));
    }

    [Fact]
    public void A_malformed_state_should_be_refused_with_the_strategy_named()
    {
        foreach (var strategy in new[] { MagicTSampler.Name, FewShotSampler.Name, PadaSampler.Name })
        {
            var error = Assert.ThrowsAny<NasException>(() => Create(strategy, 1).RestoreState("not a state"));
            Assert.Contains(strategy, error.Message);
        }
    }
}
