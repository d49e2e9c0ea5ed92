using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Spaces;

public sealed class SearchSpacesTests
{
    [Fact]
    public void Get_should_return_the_nb201_space_by_name()
    {
        Assert.Same(Nb201Space.Instance, SearchSpaces.Get("nb201"));
        Assert.Contains("nb201", SearchSpaces.Names);
    }

    [Theory]
    [InlineData("nb101")]
    [InlineData("")]
    public void Get_should_reject_an_unknown_name_listing_the_known_spaces(string name)
    {
        var error = Assert.Throws<NasException>(() => SearchSpaces.Get(name));

        Assert.Contains($"'{name}'", error.Message);
        Assert.Contains("nb201", error.Message);
    }
}
