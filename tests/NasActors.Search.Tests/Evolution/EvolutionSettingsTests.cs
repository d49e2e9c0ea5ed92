using NasActors.Search.Evolution;

namespace NasActors.Search.Tests.Evolution;

public sealed class EvolutionSettingsTests
{
    [Fact]
    public void Defaults_should_be_valid()
    {
        var settings = new EvolutionSettings();

        settings.Validate();
        Assert.Equal((20, 5, 100, 0.2), (settings.PopulationSize, settings.SampleSize, settings.Budget, settings.CrossoverProbability));
    }

    [Theory]
    [InlineData(2, 1, 2, 0.0)]  // the smallest of everything
    [InlineData(2, 2, 2, 1.0)]  // tournament as large as the population, crossover always
    public void Validate_should_accept_the_ends_of_every_range(int population, int sample, int budget, double crossover)
    {
        new EvolutionSettings(population, sample, budget, crossover).Validate();
    }

    [Theory]
    [InlineData(1, 1, 10, 0.2, "PopulationSize", "1")]
    [InlineData(-3, 1, 10, 0.2, "PopulationSize", "-3")]
    [InlineData(10, 0, 10, 0.2, "SampleSize", "0")]
    [InlineData(10, 11, 10, 0.2, "SampleSize", "11")]
    [InlineData(10, 5, 9, 0.2, "Budget", "9")]
    [InlineData(10, 5, 10, -0.1, "CrossoverProbability", "-0.1")]
    [InlineData(10, 5, 10, 1.5, "CrossoverProbability", "1.5")]
    [InlineData(10, 5, 10, double.NaN, "CrossoverProbability", "NaN")]
    public void Validate_should_reject_a_setting_out_of_range_naming_it_and_its_value(
        int population, int sample, int budget, double crossover, string setting, string value)
    {
        var error = Assert.Throws<NasException>(() => new EvolutionSettings(population, sample, budget, crossover).Validate());

        Assert.Contains($"{setting} is {value};", error.Message);
    }

    [Fact]
    public void Validate_should_give_the_allowed_range_relative_to_the_population()
    {
        var sample = Assert.Throws<NasException>(() => new EvolutionSettings(10, 11, 10).Validate());
        var budget = Assert.Throws<NasException>(() => new EvolutionSettings(10, 5, 9).Validate());

        Assert.Contains("between 1 and PopulationSize (10)", sample.Message);
        Assert.Contains("at least PopulationSize (10)", budget.Message);
    }
}
