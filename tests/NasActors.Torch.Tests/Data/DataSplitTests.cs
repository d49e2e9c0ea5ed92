using NasActors.Search;
using NasActors.Torch.Data;

namespace NasActors.Torch.Tests.Data;

public sealed class DataSplitTests
{
    [Fact]
    public void Create_should_give_the_same_split_for_the_same_seed()
    {
        var first = DataSplit.Create(1000, 200, seed: 7);
        var second = DataSplit.Create(1000, 200, seed: 7);

        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Validation, second.Validation);
    }

    [Fact]
    public void Create_should_give_a_different_split_for_a_different_seed()
    {
        Assert.NotEqual(DataSplit.Create(1000, 200, seed: 7).Validation, DataSplit.Create(1000, 200, seed: 8).Validation);
    }

    [Fact]
    public void Create_should_never_change_between_versions()
    {
        // Pinned output: a changed split would leak validation images into resumed supernet training.
        var split = DataSplit.Create(20, 5, seed: 42);

        Assert.Equal(PinnedValidation, split.Validation);
    }

    static readonly int[] PinnedValidation = [0, 3, 5, 18, 19];

    [Theory]
    [InlineData(2, 1)]
    [InlineData(10, 9)]
    [InlineData(60000, 10000)]
    public void Create_should_split_into_disjoint_sorted_parts_that_cover_every_index(int count, int validationCount)
    {
        var split = DataSplit.Create(count, validationCount, seed: 123);

        Assert.Equal(validationCount, split.Validation.Length);
        Assert.Equal(count - validationCount, split.Train.Length);
        Assert.Equal(split.Validation.Order(), split.Validation);
        Assert.Equal(split.Train.Order(), split.Train);
        Assert.Empty(split.Train.Intersect(split.Validation));
        Assert.Equal(Enumerable.Range(0, count), split.Train.Concat(split.Validation).Order());
    }

    [Fact]
    public void Create_should_spread_validation_over_the_whole_range()
    {
        var split = DataSplit.Create(60000, 10000, seed: 1);

        // Roughly a sixth of each tenth of the set: a biased shuffle would crowd one end.
        foreach (var decile in split.Validation.GroupBy(index => index / 6000))
            Assert.InRange(decile.Count(), 850, 1150);
    }

    [Theory]
    [InlineData(10, 0)]
    [InlineData(10, 10)]
    [InlineData(10, -3)]
    public void Create_should_reject_a_validation_count_outside_one_to_count_minus_one(int count, int validationCount)
    {
        var error = Assert.Throws<NasException>(() => DataSplit.Create(count, validationCount, seed: 1));

        Assert.Contains(validationCount.ToString(), error.Message);
        Assert.Contains("between 1 and 9", error.Message);
    }

    [Fact]
    public void Create_should_reject_a_set_too_small_to_split()
    {
        Assert.Throws<NasException>(() => DataSplit.Create(1, 1, seed: 1));
    }

    [Fact]
    public void A_training_subset_should_be_a_fixed_sorted_part_of_the_training_images_leaving_validation_alone()
    {
        var split = DataSplit.Create(1000, 200, seed: 7);

        var subset = split.WithTrainingSubset(300, seed: 7);

        Assert.Equal(300, subset.Train.Length);
        Assert.Equal(subset.Train.Order(), subset.Train);
        Assert.Equal(300, subset.Train.Distinct().Count());
        Assert.Empty(subset.Train.Except(split.Train));
        Assert.Equal(split.Validation, subset.Validation);
        Assert.Equal(subset.Train, split.WithTrainingSubset(300, seed: 7).Train);
        Assert.NotEqual(subset.Train, split.WithTrainingSubset(300, seed: 8).Train);
        // Drawn over the whole training part, not its first images.
        Assert.InRange(subset.Train.Max(), 900, 999);
    }

    [Fact]
    public void A_training_subset_of_every_training_image_should_be_the_split_itself()
    {
        var split = DataSplit.Create(100, 20, seed: 1);

        Assert.Same(split, split.WithTrainingSubset(80, seed: 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(81)]
    public void A_training_subset_out_of_range_should_be_refused_naming_the_range(int count)
    {
        var error = Assert.Throws<NasException>(() => DataSplit.Create(100, 20, seed: 1).WithTrainingSubset(count, seed: 1));

        Assert.Contains($"subset of {count} images", error.Message);
        Assert.Contains("between 1 and 80", error.Message);
    }
}
