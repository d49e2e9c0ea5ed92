using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Spaces;

public sealed class ArchitectureTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    [Fact]
    public void Equals_should_compare_choices_not_references()
    {
        var a = new Architecture(Space, [3, 0, 1, 2, 4, 0]);
        var b = new Architecture(Space, [3, 0, 1, 2, 4, 0]);
        var c = new Architecture(Space, [3, 0, 1, 2, 4, 1]);

        Assert.Equal(a, b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void GetHashCode_should_let_sets_deduplicate_equal_architectures()
    {
        var set = new HashSet<Architecture>();
        for (var i = 0; i < 1000; i++) set.Add(Architecture.FromIndex(Space, i % 250));

        Assert.Equal(250, set.Count);
    }

    [Fact]
    public void Constructor_should_reject_a_wrong_number_of_choices_or_an_option_out_of_range()
    {
        Assert.Throws<ArgumentException>(() => new Architecture(Space, [0, 0, 0, 0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Architecture(Space, [0, 0, 0, 0, 0, 5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Architecture(Space, [-1, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void Choices_should_be_a_copy_that_cannot_change_the_architecture()
    {
        var architecture = new Architecture(Space, [1, 2, 3, 4, 0, 1]);
        if (architecture.Choices is int[] choices) choices[0] = 4;

        Assert.Equal(1, architecture[0]);
    }

    [Fact]
    public void Index_should_vary_the_first_decision_slowest()
    {
        Assert.Equal(0, new Architecture(Space, [0, 0, 0, 0, 0, 0]).Index);
        Assert.Equal(1, new Architecture(Space, [0, 0, 0, 0, 0, 1]).Index);
        Assert.Equal(5, new Architecture(Space, [0, 0, 0, 0, 1, 0]).Index);
        Assert.Equal(3 * 3125, new Architecture(Space, [3, 0, 0, 0, 0, 0]).Index);
        Assert.Equal(15_624, new Architecture(Space, [4, 4, 4, 4, 4, 4]).Index);
        Assert.Equal([0, 0, 0, 0, 1, 2], Architecture.FromIndex(Space, 7).Choices);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(15_625)]
    [InlineData(long.MaxValue)]
    public void FromIndex_should_reject_an_index_outside_the_space_naming_the_range(long index)
    {
        var error = Assert.Throws<NasException>(() => Architecture.FromIndex(Space, index));

        Assert.Contains(index.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Contains("0..15624", error.Message);
    }

    [Fact]
    public void With_should_change_one_decision_and_leave_the_original_alone()
    {
        var original = new Architecture(Space, [0, 1, 2, 3, 4, 0]);

        var changed = original.With(2, 4);

        Assert.Equal([0, 1, 4, 3, 4, 0], changed.Choices);
        Assert.Equal([0, 1, 2, 3, 4, 0], original.Choices);
        Assert.Equal(1, original.DistanceTo(changed));
    }

    [Fact]
    public void With_should_reject_an_option_out_of_range()
    {
        var original = new Architecture(Space, [0, 1, 2, 3, 4, 0]);

        Assert.Throws<ArgumentOutOfRangeException>(() => original.With(0, 5));
    }

    [Fact]
    public void DistanceTo_should_count_the_decisions_that_differ()
    {
        var a = new Architecture(Space, [0, 0, 0, 0, 0, 0]);

        Assert.Equal(0, a.DistanceTo(a));
        Assert.Equal(6, a.DistanceTo(new Architecture(Space, [1, 2, 3, 4, 1, 2])));
        Assert.Equal(2, a.DistanceTo(new Architecture(Space, [0, 3, 0, 0, 0, 4])));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7_777)]
    [InlineData(15_624)]
    public void Neighbours_should_be_the_24_distinct_architectures_one_decision_away(long index)
    {
        var architecture = Architecture.FromIndex(Space, index);

        var neighbours = architecture.Neighbours().ToArray();

        Assert.Equal(24, neighbours.Length);
        Assert.Equal(24, neighbours.Distinct().Count());
        Assert.All(neighbours, n => Assert.Equal(1, architecture.DistanceTo(n)));
        Assert.DoesNotContain(architecture, neighbours);
    }

    [Fact]
    public void OptionAt_and_ToString_should_use_the_space_notation()
    {
        var architecture = new Architecture(Space, [3, 0, 1, 2, 4, 0]);

        Assert.Equal("nor_conv_1x1", architecture.OptionAt(3));
        Assert.Equal("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|", architecture.ToString());
    }
}
