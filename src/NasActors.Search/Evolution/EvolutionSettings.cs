using System.Globalization;

namespace NasActors.Search.Evolution;

/// <summary>The settings of regularized evolution: population, tournament size, evaluation budget and crossover rate.</summary>
public sealed record EvolutionSettings(int PopulationSize = 20, int SampleSize = 5, int Budget = 100, double CrossoverProbability = 0.2)
{
    /// <summary>Throws a <see cref="NasException"/> naming the first setting out of range, its value and the range allowed.</summary>
    public void Validate()
    {
        // A population of one makes every tournament a foregone conclusion: the search degrades into a random walk.
        if (PopulationSize < 2)
            throw OutOfRange(nameof(PopulationSize), PopulationSize, "at least 2");
        if (SampleSize < 1 || SampleSize > PopulationSize)
            throw OutOfRange(nameof(SampleSize), SampleSize, $"between 1 and {nameof(PopulationSize)} ({PopulationSize})");
        // A smaller budget would end the search before its random initial population is complete.
        if (Budget < PopulationSize)
            throw OutOfRange(nameof(Budget), Budget, $"at least {nameof(PopulationSize)} ({PopulationSize})");
        // Written so that NaN fails too.
        if (!(CrossoverProbability >= 0 && CrossoverProbability <= 1))
            throw OutOfRange(nameof(CrossoverProbability), CrossoverProbability, "between 0 and 1");
    }

    static NasException OutOfRange(string setting, IFormattable value, string allowed) =>
        new($"evolution setting {setting} is {value.ToString(null, CultureInfo.InvariantCulture)}; it must be {allowed}");
}
