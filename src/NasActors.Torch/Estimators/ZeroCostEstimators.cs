using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Estimators;

/// <summary>Zero-cost NAS estimators: scores of freshly initialised child models that predict their trained accuracy
/// (higher = predicted better), after SamsungLabs/zero-cost-nas. One table from name to measure.</summary>
public static class ZeroCostEstimators
{
    /// <summary>What a score that is not a finite number becomes (a singular naswot kernel, an undefined jacob-cov
    /// correlation, no varying ZiCo gradient: a child that passes no signal), so that ranking puts it last.</summary>
    public const double LowestScore = double.MinValue;

    static readonly IZeroCostMeasure[] Measures =
    [
        new ParamsMeasure(), new FlopsMeasure(), new SynflowMeasure(), new NaswotMeasure(),
        new SnipMeasure(), new GradNormMeasure(), new JacobCovMeasure(), new ZicoMeasure(),
    ];

    static readonly Dictionary<string, IZeroCostMeasure> ByName = Measures.ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>The known names, in a fixed order.</summary>
    public static IReadOnlyCollection<string> Names { get; } = Array.AsReadOnly(Measures.Select(m => m.Name).ToArray());

    public static bool IsKnown(string name) => name is not null && ByName.ContainsKey(name);

    /// <summary>Score of a freshly initialised child of <paramref name="architecture"/>. Initialisation i (of
    /// <see cref="ZeroCostSettings.Initialisations"/>) uses seed + i and the scores are averaged; params and flops use
    /// one. Batch b is rows [b x BatchSize, (b + 1) x BatchSize) of <paramref name="rows"/>. Never returns a non-finite
    /// number: one initialisation scoring negative infinity or NaN makes the whole <see cref="LowestScore"/>.</summary>
    public static double Score(string name, Architecture architecture, NetworkShape shape, ImageDataset data, IReadOnlyList<int> rows,
                               ZeroCostSettings settings, long seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        if (name is null || !ByName.TryGetValue(name, out var measure))
            throw new NasException($"unknown zero-cost estimator '{name}': use one of {string.Join(", ", Names)}");
        if (architecture.Space is not Nb201Space)
            throw new NasException($"zero-cost estimators score NAS-Bench-201 cells, not architectures of {architecture.Space.Name}");
        settings.Validate();
        shape.Validate();

        using var scope = NewDisposeScope();
        var batches = measure.NeedsData ? Batches(measure.Name, shape, data, rows, settings, device) : [];
        var initialisations = measure.DependsOnWeights ? settings.Initialisations : 1;
        double mean = 0;
        for (var i = 0; i < initialisations; i++)
        {
            double score;
            using (var network = Nb201Network.CreateChild(shape, architecture, seed + i))
            {
                network.to(device);
                score = measure.Measure(network, architecture, batches);
            }
            if (double.IsNaN(score) || double.IsNegativeInfinity(score)) return LowestScore;
            // Divided before adding: scores near double's range (synflow of a deep net) must not overflow the sum.
            mean += score / initialisations;
        }
        return double.IsPositiveInfinity(mean) ? double.MaxValue : mean;
    }

    static (Tensor Images, Tensor Labels)[] Batches(string name, NetworkShape shape, ImageDataset data, IReadOnlyList<int> rows,
                                                    ZeroCostSettings settings, Device device)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < settings.RowsNeeded)
            throw new NasException($"zero-cost estimator '{name}' needs {settings.RowsNeeded} rows ({settings.Batches} batches of " +
                                   $"{settings.BatchSize}), but only {rows.Count} rows were given");
        if (data.Channels != shape.InputChannels || data.Height != shape.ImageSize || data.Width != shape.ImageSize)
            throw new NasException($"{data} does not fit the network shape ({shape.InputChannels}x{shape.ImageSize}x{shape.ImageSize} images)");
        if (data.ClassCount > shape.ClassCount)
            throw new NasException($"{data} has more classes than the network's {shape.ClassCount} outputs");
        var selected = new int[settings.RowsNeeded];
        for (var i = 0; i < selected.Length; i++)
        {
            selected[i] = rows[i];
            if ((uint)selected[i] >= (uint)data.Count)
                throw new NasException($"row {selected[i]} is outside {data.Name}'s {data.Count} images");
        }
        return Enumerable.Range(0, settings.Batches)
            .Select(b => data.Batch(selected.AsSpan(b * settings.BatchSize, settings.BatchSize), device))
            .ToArray();
    }
}
