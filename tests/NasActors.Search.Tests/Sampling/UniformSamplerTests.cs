using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Sampling;

public sealed class UniformSamplerTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    static Architecture[] Steps(IPathSampler sampler, int count) =>
        Enumerable.Range(0, count).Select(_ => Assert.Single(sampler.NextStep())).ToArray();

    [Fact]
    public void NextStep_should_return_exactly_one_path_of_the_space()
    {
        var sampler = new UniformSampler(Space, 1);

        for (var i = 0; i < 100; i++)
        {
            var path = Assert.Single(sampler.NextStep());
            Assert.Same(Space, path.Space);
        }
    }

    [Fact]
    public void Strategy_should_be_uniform()
    {
        Assert.Equal("uniform", new UniformSampler(Space, 1).Strategy);
    }

    [Fact]
    public void Same_seed_should_give_the_same_paths_and_another_seed_others()
    {
        Assert.Equal(Steps(new UniformSampler(Space, 3), 50), Steps(new UniformSampler(Space, 3), 50));
        Assert.NotEqual(Steps(new UniformSampler(Space, 3), 50), Steps(new UniformSampler(Space, 4), 50));
    }

    [Fact]
    public void RestoreState_should_continue_with_the_paths_of_an_uninterrupted_sampler()
    {
        var uninterrupted = Steps(new UniformSampler(Space, 5), 60);
        var original = new UniformSampler(Space, 5);
        Steps(original, 20);

        var resumed = new UniformSampler(Space, 12345);
        resumed.RestoreState(original.SaveState());

        Assert.Equal(uninterrupted.Skip(20), Steps(resumed, 40));
    }

    [Fact]
    public void Observe_should_not_change_what_is_drawn()
    {
        var plain = new UniformSampler(Space, 6);
        var observed = new UniformSampler(Space, 6);

        var first = Steps(observed, 1);
        observed.Observe(new StepFeedback(0, first, [2.3]));

        Assert.Equal(Steps(plain, 11).Skip(1), Steps(observed, 10));
    }

    [Fact]
    public void Every_operation_should_be_drawn_about_equally_often_on_every_edge()
    {
        const int steps = 25_000;
        var sampler = new UniformSampler(Space, 7);
        var counts = new int[Space.Decisions.Count, 5];
        foreach (var path in Steps(sampler, steps))
            for (var e = 0; e < path.DecisionCount; e++) counts[e, path[e]]++;

        // Expected 5,000 each; the standard deviation is about 63.
        foreach (var count in counts) Assert.InRange(count, 4_700, 5_300);
    }

    [Fact]
    public void Edges_should_be_drawn_independently_of_each_other()
    {
        const int steps = 25_000;
        var sampler = new UniformSampler(Space, 8);
        var paths = Steps(sampler, steps);

        // If one draw fed every edge, edges would always agree; independent edges agree a fifth of the time.
        var agreeing = paths.Count(p => p[0] == p[5]);
        Assert.InRange(agreeing, 4_600, 5_400);
    }
}
