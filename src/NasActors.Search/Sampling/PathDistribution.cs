using System.Globalization;
using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>What a strategy draws its random training paths from. By default every decision's option uniformly and
/// independently (SPOS), which trains functions in proportion to how many strings compute them: a cell whose dead
/// edges could hold anything is drawn many times over. With <c>deiso = on</c> paths are drawn uniformly over the
/// space's distinct functions instead (aw_nas's de-isomorphic sampling); with <c>conv-weight = W</c> each candidate
/// weighs W to the power of its live convolutions (nb201), so that short budgets still train the convolutions that
/// strong cells are made of.</summary>
public sealed class PathDistribution
{
    public const string DeisoSetting = "deiso";
    public const string ConvolutionWeightSetting = "conv-weight";

    readonly IChoiceSpace _space;
    readonly IReadOnlyList<Architecture>? _candidates;  // null: uniform over strings, drawn decision by decision
    readonly double[] _cumulativeWeights = [];

    PathDistribution(IChoiceSpace space, bool deiso, double convolutionWeight)
    {
        _space = space;
        Deiso = deiso;
        ConvolutionWeight = convolutionWeight;
        if (!deiso && convolutionWeight == 1) return;
        _candidates = deiso ? CanonicalForms.Of(space).Distinct
                            : Enumerable.Range(0, checked((int)space.Size)).Select(i => Architecture.FromIndex(space, i)).ToArray();
        _cumulativeWeights = new double[_candidates.Count];
        double total = 0;
        for (var i = 0; i < _candidates.Count; i++)
        {
            total += convolutionWeight == 1 ? 1 : Math.Pow(convolutionWeight, Nb201Space.LiveConvolutions(_candidates[i]));
            _cumulativeWeights[i] = total;
        }
    }

    /// <summary>SPOS: every decision uniform and independent.</summary>
    public static PathDistribution Uniform(IChoiceSpace space) => new(space, deiso: false, convolutionWeight: 1);

    /// <summary>Reads <c>deiso</c> (on or off) and <c>conv-weight</c> from a strategy's settings; either on a space that
    /// cannot honour it fails naming the setting.</summary>
    public static PathDistribution Read(IChoiceSpace space, StrategySettings settings)
    {
        var deiso = settings.String(DeisoSetting, "off", ["on", "off"]) == "on";
        var weight = settings.Double(ConvolutionWeightSetting, 1, min: 0.1, max: 16);
        if (deiso && !space.HasCanonicalForms)
            throw new NasException($"{settings.Source}.{DeisoSetting} = on is invalid: search space '{space.Name}' has no canonical forms " +
                                   "to tell which architectures compute the same function; remove the setting");
        if (weight != 1 && space is not Nb201Space)
            throw new NasException($"{settings.Source}.{ConvolutionWeightSetting} is invalid: it counts nb201's live convolutions, and space " +
                                   $"'{space.Name}' has none; remove the setting");
        return new PathDistribution(space, deiso, weight);
    }

    public bool Deiso { get; }

    public double ConvolutionWeight { get; }

    /// <summary>Whether this is plain SPOS sampling (and draws exactly what it drew before these settings existed).</summary>
    public bool IsUniform => _candidates is null;

    /// <summary>How the paths are drawn, as a spec would say it ("deiso, conv-weight 2"), or "uniform".</summary>
    public override string ToString() =>
        IsUniform ? "uniform" : string.Join(", ", new[]
        {
            Deiso ? "deiso" : "strings",
            ConvolutionWeight == 1 ? null : string.Create(CultureInfo.InvariantCulture, $"conv-weight {ConvolutionWeight}"),
        }.Where(s => s is not null));

    /// <summary>One path from the distribution.</summary>
    public Architecture Draw(Rng rng)
    {
        if (_candidates is null) return ArchitectureSampling.Uniform(_space, rng);
        var target = rng.NextDouble() * _cumulativeWeights[^1];
        var at = Array.BinarySearch(_cumulativeWeights, target);
        // BinarySearch gives the complement of the first larger entry when the target falls between two.
        at = at < 0 ? ~at : at + 1;
        return _candidates[Math.Min(at, _candidates.Count - 1)];
    }
}
