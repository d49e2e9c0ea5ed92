using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Sampling;

public sealed class ArchitectureSamplingTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    /// <summary>100 candidates scored by their index (0..99), handed over in a shuffled order.</summary>
    static Architecture[] Candidates()
    {
        var candidates = Enumerable.Range(0, 100).Select(i => Architecture.FromIndex(Space, i)).ToArray();
        new Rng(1000).Shuffle(candidates.AsSpan());
        return candidates;
    }

    static double ByIndex(Architecture a) => a.Index;

    [Fact]
    public void Stratified_should_draw_one_candidate_from_each_equal_stratum_of_scores()
    {
        var picked = ArchitectureSampling.Stratified(Candidates(), ByIndex, 10, new Rng(1));

        Assert.Equal(10, picked.Count);
        for (var s = 0; s < 10; s++) Assert.InRange(picked[s].Index, 10 * s, 10 * s + 9);
    }

    [Fact]
    public void Stratified_should_span_the_score_range_from_bottom_to_top_stratum()
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var scores = ArchitectureSampling.Stratified(Candidates(), ByIndex, 4, new Rng(seed)).Select(ByIndex).ToArray();

            Assert.InRange(scores.Min(), 0, 24);
            Assert.InRange(scores.Max(), 75, 99);
            Assert.Equal(4, scores.Distinct().Count());
        }
    }

    [Fact]
    public void Stratified_should_pick_at_random_within_a_stratum()
    {
        var firstPicks = Enumerable.Range(0, 50)
            .Select(seed => ArchitectureSampling.Stratified(Candidates(), ByIndex, 2, new Rng((ulong)seed))[0].Index)
            .ToHashSet();

        Assert.True(firstPicks.Count > 10, $"only {firstPicks.Count} different picks from the bottom half in 50 seeds");
        Assert.All(firstPicks, i => Assert.InRange(i, 0, 49));
    }

    [Fact]
    public void Stratified_should_give_distinct_picks_even_when_all_scores_tie()
    {
        var picked = ArchitectureSampling.Stratified(Candidates(), _ => 1.0, 30, new Rng(2));

        Assert.Equal(30, picked.Distinct().Count());
    }

    [Fact]
    public void Stratified_should_return_every_candidate_when_asked_for_all()
    {
        var candidates = Candidates();

        var picked = ArchitectureSampling.Stratified(candidates, ByIndex, 100, new Rng(3));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), picked.Select(a => a.Index));
    }

    [Fact]
    public void Stratified_should_be_deterministic_for_a_seed()
    {
        var a = ArchitectureSampling.Stratified(Candidates(), ByIndex, 10, new Rng(4));
        var b = ArchitectureSampling.Stratified(Candidates(), ByIndex, 10, new Rng(4));

        Assert.Equal(a, b);
    }

    [Fact]
    public void Stratified_should_reject_more_picks_than_candidates_naming_both_numbers()
    {
        var error = Assert.Throws<NasException>(() => ArchitectureSampling.Stratified(Candidates(), ByIndex, 101, new Rng(5)));

        Assert.Contains("101", error.Message);
        Assert.Contains("100", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Stratified_should_reject_a_count_that_is_not_positive(int count)
    {
        var error = Assert.Throws<NasException>(() => ArchitectureSampling.Stratified(Candidates(), ByIndex, count, new Rng(6)));

        Assert.Contains(count.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void Uniform_should_draw_valid_architectures_covering_every_option()
    {
        var rng = new Rng(7);

        var drawn = Enumerable.Range(0, 500).Select(_ => ArchitectureSampling.Uniform(Space, rng)).ToArray();

        for (var d = 0; d < Space.Decisions.Count; d++)
            Assert.Equal([0, 1, 2, 3, 4], drawn.Select(a => a[d]).Distinct().Order());
    }
}
