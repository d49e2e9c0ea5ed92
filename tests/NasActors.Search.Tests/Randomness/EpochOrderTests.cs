using NasActors.Search.Randomness;

namespace NasActors.Search.Tests.Randomness;

public sealed class EpochOrderTests
{
    // Ten sample indices that are not 0..9, so that a batch of positions instead of indices shows.
    static readonly int[] Indices = Enumerable.Range(100, 10).ToArray();

    static int[][] Take(EpochOrder order, int batches) => Enumerable.Range(0, batches).Select(_ => order.NextBatch()).ToArray();

    [Fact]
    public void Each_epoch_should_give_full_batches_of_distinct_indices_and_drop_the_partial_one()
    {
        var order = new EpochOrder(Indices, batchSize: 3, seed: 1);

        Assert.Equal(3, order.BatchesPerEpoch);
        for (var epoch = 0; epoch < 5; epoch++)
        {
            var batches = Take(order, 3);
            var seen = batches.SelectMany(b => b).ToArray();

            Assert.All(batches, b => Assert.Equal(3, b.Length));
            Assert.Equal(9, seen.Distinct().Count());
            Assert.All(seen, i => Assert.Contains(i, Indices));
        }
    }

    [Fact]
    public void Epochs_should_reshuffle_so_every_index_is_eventually_used()
    {
        var order = new EpochOrder(Indices, batchSize: 3, seed: 2);

        var epochs = Enumerable.Range(0, 20).Select(_ => Take(order, 3).SelectMany(b => b).ToArray()).ToArray();

        Assert.Equal(Indices, epochs.SelectMany(e => e).Distinct().Order());
        Assert.True(epochs.Skip(1).Any(e => !e.SequenceEqual(epochs[0])), "every epoch gave the same order");
    }

    [Fact]
    public void A_batch_size_that_divides_the_set_should_cover_every_index_each_epoch()
    {
        var order = new EpochOrder(Indices, batchSize: 5, seed: 3);

        for (var epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Indices, Take(order, 2).SelectMany(b => b).Order());
    }

    [Fact]
    public void Epoch_and_Position_should_count_batches_and_roll_over_on_the_next_batch()
    {
        var order = new EpochOrder(Indices, batchSize: 3, seed: 4);
        Assert.Equal((0L, 0), (order.Epoch, order.Position));

        Take(order, 3);
        Assert.Equal((0L, 3), (order.Epoch, order.Position));

        order.NextBatch();
        Assert.Equal((1L, 1), (order.Epoch, order.Position));
    }

    [Fact]
    public void Same_seed_should_give_the_same_batches_and_another_seed_others()
    {
        var a = Take(new EpochOrder(Indices, 3, 5), 9);
        var b = Take(new EpochOrder(Indices, 3, 5), 9);
        var c = Take(new EpochOrder(Indices, 3, 6), 9);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(0)]  // before any batch
    [InlineData(1)]  // mid first epoch
    [InlineData(3)]  // at the end of the first epoch, before the reshuffle
    [InlineData(4)]  // one batch into the second epoch
    [InlineData(8)]  // mid third epoch
    [InlineData(9)]  // at the end of the third epoch
    public void RestoreState_should_continue_with_exactly_the_batches_of_an_uninterrupted_order(int taken)
    {
        var uninterrupted = Take(new EpochOrder(Indices, 3, 7), 15);
        var original = new EpochOrder(Indices, 3, 7);
        Take(original, taken);
        var state = original.SaveState();

        // Another seed, so that only the restored state can make the batches agree.
        var resumed = new EpochOrder(Indices, 3, 999);
        resumed.RestoreState(state);

        Assert.Equal((original.Epoch, original.Position), (resumed.Epoch, resumed.Position));
        Assert.Equal(uninterrupted.Skip(taken), Take(resumed, 15 - taken));
    }

    [Fact]
    public void SaveState_should_be_unchanged_by_a_restore()
    {
        var order = new EpochOrder(Indices, 3, 8);
        Take(order, 5);
        var state = order.SaveState();

        var resumed = new EpochOrder(Indices, 3, 0);
        resumed.RestoreState(state);

        Assert.Equal(state, resumed.SaveState());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0/1")]
    [InlineData("0000000000000001-0000000000000002-0000000000000003-0000000000000004/x/1")]
    [InlineData("0000000000000001-0000000000000002-0000000000000003-0000000000000004/0/-1")]
    [InlineData("0000000000000001-0000000000000002-0000000000000003-0000000000000004/0/4")]
    [InlineData("garbage/0/1")]
    public void RestoreState_should_reject_malformed_text(string state)
    {
        var order = new EpochOrder(Indices, 3, 1);

        Assert.Throws<NasException>(() => order.RestoreState(state));
    }

    [Fact]
    public void Constructor_should_reject_a_batch_larger_than_the_set_naming_both_sizes()
    {
        var error = Assert.Throws<NasException>(() => new EpochOrder(Indices, 11, 1));

        Assert.Contains("11", error.Message);
        Assert.Contains("10 samples", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Constructor_should_reject_a_batch_size_that_is_not_positive(int batchSize)
    {
        Assert.Throws<NasException>(() => new EpochOrder(Indices, batchSize, 1));
    }

    [Fact]
    public void A_batch_as_large_as_the_set_should_give_one_batch_per_epoch()
    {
        var order = new EpochOrder(Indices, 10, 1);

        Assert.Equal(1, order.BatchesPerEpoch);
        Assert.Equal(Indices, order.NextBatch().Order());
        Assert.Equal(Indices, order.NextBatch().Order());
        Assert.Equal(1, order.Epoch);
    }
}
