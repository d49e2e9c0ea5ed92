using NasActors.Search.Ranking;

namespace NasActors.Search.Tests.Ranking;

public sealed class SpreadTests
{
    [Fact]
    public void Spread_should_leave_out_and_count_undefined_seeds_and_give_no_spread_for_one_seed()
    {
        Assert.Equal("0.300 ± 0.141", Spread.Of([0.2, 0.4]).ToString());
        Assert.Equal("0.300 ± 0.141 (1 n/a)", Spread.Of([0.2, double.NaN, 0.4]).ToString());
        Assert.Equal("0.200 ± -", Spread.Of([0.2]).ToString());
        Assert.Equal("0.200 ± - (1 n/a)", Spread.Of([double.NaN, 0.2]).ToString());
        Assert.Equal("n/a", Spread.Of([double.NaN, double.NaN]).ToString());
    }
}
