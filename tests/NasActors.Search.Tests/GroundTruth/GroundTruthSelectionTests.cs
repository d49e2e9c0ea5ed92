using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.GroundTruth;

public sealed class GroundTruthSelectionTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    [Fact]
    public void Select_should_give_distinct_canonical_non_degenerate_architectures()
    {
        var selected = GroundTruthSelection.Select(Space, 60, 0);

        Assert.Equal(60, selected.Count);
        Assert.Equal(60, selected.Distinct().Count());
        Assert.All(selected, a =>
        {
            Assert.False(Nb201Space.IsDegenerate(a), $"{a} is degenerate");
            Assert.Equal(a, Space.Canonicalize(a));
        });
    }

    [Fact]
    public void Select_should_span_weak_to_strong_architectures()
    {
        var capacities = GroundTruthSelection.Select(Space, 60, 0).Select(Nb201Space.CapacityProxy).ToArray();

        // Of the 9,444 candidates, the weakest sixtieth scores 0.25 to 1.25 and the strongest sixtieth 36.5 to 54.
        Assert.InRange(capacities.Min(), 0.25, 1.25);
        Assert.InRange(capacities.Max(), 36.5, 54);
    }

    [Fact]
    public void Select_should_shuffle_the_training_order()
    {
        var capacities = GroundTruthSelection.Select(Space, 60, 0).Select(Nb201Space.CapacityProxy).ToArray();

        Assert.NotEqual(capacities.Order(), capacities);
    }

    [Fact]
    public void Select_should_be_deterministic_for_a_seed_and_differ_for_another()
    {
        var a = GroundTruthSelection.Select(Space, 60, 0);
        var b = GroundTruthSelection.Select(Space, 60, 0);
        var c = GroundTruthSelection.Select(Space, 60, 1);

        Assert.Equal(a, b);
        Assert.True(a.Intersect(c).Count() < 60, "another seed selected the same architectures");
    }

    [Fact]
    public void Select_should_allow_every_non_degenerate_canonical_form_but_not_one_more()
    {
        Assert.Equal(9_444, GroundTruthSelection.Select(Space, 9_444, 2).Distinct().Count());
        Assert.Throws<NasException>(() => GroundTruthSelection.Select(Space, 9_445, 2));
    }

    [Fact]
    public void Select_should_reject_a_count_that_is_not_positive()
    {
        Assert.Throws<NasException>(() => GroundTruthSelection.Select(Space, 0, 0));
    }

    [Fact]
    public void Convolution_stratification_should_give_each_number_of_live_convolutions_an_equal_share()
    {
        var selected = GroundTruthSelection.Select(Space, 70, 0, GroundTruthStratification.Convolutions);

        Assert.Equal(70, selected.Distinct().Count());
        Assert.All(selected, a => Assert.False(Nb201Space.IsDegenerate(a), $"{a} is degenerate"));
        var shares = selected.GroupBy(Nb201Space.LiveConvolutions).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, 7), shares.Keys.Order());
        Assert.All(shares.Values, share => Assert.Equal(10, share));
    }

    [Fact]
    public void Convolution_stratification_should_pass_a_small_group_s_shortfall_to_the_others()
    {
        // Only 64 cells have six live convolutions (1x1 or 3x3 on every edge); the other groups make up the rest.
        var selected = GroundTruthSelection.Select(Space, 7 * 100, 3, GroundTruthStratification.Convolutions);

        Assert.Equal(700, selected.Distinct().Count());
        Assert.Equal(64, selected.Count(a => Nb201Space.LiveConvolutions(a) == 6));
    }

    [Fact]
    public void Convolution_stratification_should_differ_from_capacity_quantiles_in_its_weak_share()
    {
        var byCapacity = GroundTruthSelection.Select(Space, 60, 0);
        var byConvolutions = GroundTruthSelection.Select(Space, 60, 0, GroundTruthStratification.Convolutions);

        // Cells without a live convolution are a small part of the space but a seventh of this selection.
        Assert.True(byCapacity.Count(a => Nb201Space.LiveConvolutions(a) == 0) < 6);
        Assert.InRange(byConvolutions.Count(a => Nb201Space.LiveConvolutions(a) == 0), 8, 9);
    }

    [Fact]
    public void ParseStratification_should_name_the_choices_for_an_unknown_one()
    {
        Assert.Equal(GroundTruthStratification.Convolutions, GroundTruthSelection.ParseStratification("convolutions"));
        var error = Assert.Throws<NasException>(() => GroundTruthSelection.ParseStratification("quantile"));
        Assert.Contains("capacity or convolutions", error.Message);
    }
}
