using NasActors.Search.Randomness;

namespace NasActors.Search.Tests.Randomness;

public sealed class RngTests
{
    static ulong[] Draw(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => rng.NextULong()).ToArray();

    [Fact]
    public void NextULong_should_match_reference_xoshiro256starstar_seeded_by_SplitMix64()
    {
        // Reference values from the published C algorithms (splitmix64.c, xoshiro256starstar.c) with seed 42.
        var rng = new Rng(42);

        Assert.Equal([0x15780b2e0c2ec716UL, 0x6104d9866d113a7eUL, 0xae17533239e499a1UL], Draw(rng, 3));
    }

    [Fact]
    public void Same_seed_should_give_the_same_sequence_and_another_seed_another()
    {
        Assert.Equal(Draw(new Rng(7), 100), Draw(new Rng(7), 100));
        Assert.NotEqual(Draw(new Rng(7), 100), Draw(new Rng(8), 100));
    }

    [Fact]
    public void FromState_should_continue_exactly_where_SaveState_left_off()
    {
        var rng = new Rng(123);
        Draw(rng, 17);

        var restored = Rng.FromState(rng.SaveState());

        Assert.Equal(Draw(rng, 100), Draw(restored, 100));
    }

    [Fact]
    public void SaveState_should_be_four_hex_words_that_change_as_numbers_are_drawn()
    {
        var rng = new Rng(1);
        var before = rng.SaveState();
        rng.NextULong();

        Assert.Matches("^[0-9a-f]{16}(-[0-9a-f]{16}){3}$", before);
        Assert.NotEqual(before, rng.SaveState());
    }

    [Fact]
    public void Clone_should_continue_identically_and_independently()
    {
        var rng = new Rng(99);
        Draw(rng, 5);
        var clone = rng.Clone();

        var fromOriginal = Draw(rng, 50);

        Assert.Equal(fromOriginal, Draw(clone, 50));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a state")]
    [InlineData("0000000000000001-0000000000000002-0000000000000003")]
    [InlineData("0000000000000001-0000000000000002-0000000000000003-0000000000000004-0000000000000005")]
    [InlineData("000000000000000g-0000000000000002-0000000000000003-0000000000000004")]
    [InlineData("10000000000000000-0000000000000002-0000000000000003-0000000000000004")]
    [InlineData("0000000000000000-0000000000000000-0000000000000000-0000000000000000")]
    public void FromState_should_reject_malformed_text(string state)
    {
        var error = Assert.Throws<NasException>(() => Rng.FromState(state));

        Assert.Contains("random generator state", error.Message);
    }

    [Fact]
    public void DeriveSeed_should_differ_per_stream_name_and_per_seed_and_be_stable()
    {
        var strategy = Rng.DeriveSeed(5, "strategy");

        Assert.Equal(strategy, Rng.DeriveSeed(5, "strategy"));
        Assert.NotEqual(strategy, Rng.DeriveSeed(5, "data-order"));
        Assert.NotEqual(strategy, Rng.DeriveSeed(6, "strategy"));
        Assert.NotEqual(Rng.DeriveSeed(5, "ab"), Rng.DeriveSeed(5, "ba"));
        Assert.NotEqual(Draw(new Rng(strategy), 10), Draw(new Rng(Rng.DeriveSeed(5, "data-order")), 10));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void NextInt_should_stay_within_its_bound(int bound)
    {
        var rng = new Rng(3);

        for (var i = 0; i < 10_000; i++)
        {
            var value = rng.NextInt(bound);
            Assert.InRange(value, 0, bound - 1);
        }
    }

    [Fact]
    public void NextInt_should_reach_the_top_of_a_large_bound()
    {
        var rng = new Rng(4);
        var max = Enumerable.Range(0, 10_000).Max(_ => rng.NextInt(int.MaxValue));

        Assert.True(max > int.MaxValue / 10 * 9, $"largest of 10,000 draws was {max}");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(7)]
    public void NextInt_should_be_roughly_uniform(int bound)
    {
        const int draws = 50_000;
        var rng = new Rng(2024);
        var counts = new int[bound];
        for (var i = 0; i < draws; i++) counts[rng.NextInt(bound)]++;

        var expected = (double)draws / bound;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);

        // Loose: the 99.99% point of chi-square with 9 degrees of freedom is about 33.7.
        Assert.True(chiSquare < 40, $"chi-square {chiSquare:0.0} for counts {string.Join(", ", counts)}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void NextInt_should_reject_a_bound_that_is_not_positive(int bound)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).NextInt(bound));
    }

    [Fact]
    public void NextDouble_should_lie_in_the_unit_interval_with_mean_one_half()
    {
        var rng = new Rng(11);
        var values = Enumerable.Range(0, 20_000).Select(_ => rng.NextDouble()).ToArray();

        Assert.All(values, v => Assert.InRange(v, 0.0, Math.BitDecrement(1.0)));
        Assert.InRange(values.Average(), 0.49, 0.51);
    }

    [Fact]
    public void NextWeighted_should_never_return_a_zero_weight_index()
    {
        var rng = new Rng(5);
        double[] weights = [0, 1, 0, 3, 0];

        for (var i = 0; i < 20_000; i++) Assert.Contains(rng.NextWeighted(weights), new[] { 1, 3 });
    }

    [Fact]
    public void NextWeighted_should_draw_in_proportion_to_the_weights()
    {
        const int draws = 40_000;
        var rng = new Rng(6);
        double[] weights = [1, 0, 3, 6];
        var counts = new int[weights.Length];
        for (var i = 0; i < draws; i++) counts[rng.NextWeighted(weights)]++;

        Assert.InRange(counts[0], 3_700, 4_300);
        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[2], 11_500, 12_500);
        Assert.InRange(counts[3], 23_400, 24_600);
    }

    [Fact]
    public void NextWeighted_should_return_the_only_positive_weight()
    {
        var rng = new Rng(8);

        for (var i = 0; i < 100; i++) Assert.Equal(2, rng.NextWeighted([0, 0, 0.5, 0]));
    }

    [Theory]
    [InlineData(new double[] { 0, 0, 0 })]
    [InlineData(new double[] { })]
    [InlineData(new double[] { double.NaN, 1 })]
    public void NextWeighted_should_reject_weights_without_a_positive_sum(double[] weights)
    {
        Assert.Throws<ArgumentException>(() => new Rng(1).NextWeighted(weights));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    public void Permutation_should_contain_each_index_exactly_once(int count)
    {
        var permutation = new Rng(9).Permutation(count);

        Assert.Equal(Enumerable.Range(0, count), permutation.Order());
    }

    [Fact]
    public void Permutation_should_shuffle_and_differ_per_seed()
    {
        var a = new Rng(1).Permutation(100);
        var b = new Rng(2).Permutation(100);

        Assert.NotEqual(Enumerable.Range(0, 100), a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Permutation_should_put_every_item_in_every_place_about_equally_often()
    {
        // A classic Fisher-Yates off-by-one (drawing j from [0, i) instead of [0, i]) never leaves an item in place.
        var rng = new Rng(10);
        var counts = new int[4, 4];
        for (var trial = 0; trial < 24_000; trial++)
        {
            var permutation = rng.Permutation(4);
            for (var place = 0; place < 4; place++) counts[permutation[place], place]++;
        }

        foreach (var count in counts) Assert.InRange(count, 5_600, 6_400);
    }

    [Fact]
    public void Shuffle_should_keep_the_items()
    {
        string[] items = ["a", "b", "c", "d", "e", "f"];

        new Rng(12).Shuffle(items.AsSpan());

        Assert.Equal(["a", "b", "c", "d", "e", "f"], items.Order());
    }
}
