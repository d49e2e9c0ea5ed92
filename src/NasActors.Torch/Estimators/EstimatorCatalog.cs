namespace NasActors.Torch.Estimators;

/// <summary>Every estimator a search spec or rankbench may name instead of a supernet: the zero-cost ones, then short
/// training (the only one that trains).</summary>
public static class EstimatorCatalog
{
    public static IReadOnlyCollection<string> Names { get; } = Array.AsReadOnly([.. ZeroCostEstimators.Names, ShortTraining.Name]);

    public static bool IsKnown(string name) => name == ShortTraining.Name || ZeroCostEstimators.IsKnown(name);

    public static bool IsZeroCost(string name) => ZeroCostEstimators.IsKnown(name);
}
