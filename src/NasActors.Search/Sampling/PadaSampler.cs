using System.Globalization;
using NasActors.Search.Randomness;
using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>PA&amp;DA's path half (Lu et al., "PA&amp;DA: Jointly Sampling PAth and DAta for Consistent NAS", CVPR 2023):
/// sampling paths in proportion to their gradient norms lowers the variance of the supernet's gradient, and with it
/// the interference that spoils the ranking. As the reference code does: one distribution over options, shared by
/// every decision; per step, the gradient norm of each trained option (summed over cells, averaged over the decisions
/// that chose it) is smoothed into that option's importance (mean with the previous value); at the end of each epoch
/// the importance, normalised, is mixed with uniform by tau = e / epochs, e the epoch just trained counted from 0 (so
/// the first two epochs are uniform), and the accumulators start afresh. Options without weights have no gradient, so
/// their share decays to zero as tau grows.</summary>
public sealed class PadaSampler : IPathSampler
{
    public const string Name = "pada";

    readonly IChoiceSpace _space;
    readonly int _options;
    readonly int _stepsPerEpoch;
    readonly long _epochs;
    Rng _rng;
    double[] _probabilities;
    double[] _importance;
    long _observedSteps;

    public PadaSampler(IChoiceSpace space, ulong seed, long totalSteps, int stepsPerEpoch)
    {
        var counts = space.Decisions.Select(d => d.OptionCount).Distinct().ToArray();
        if (counts.Length != 1)
            throw new NasException($"strategy '{Name}' needs the same options in every decision; {space.Name} has {string.Join(", ", counts)}");
        if (stepsPerEpoch < 1) throw new NasException($"strategy '{Name}': steps per epoch must be positive, got {stepsPerEpoch}");
        _space = space;
        _options = counts[0];
        _stepsPerEpoch = stepsPerEpoch;
        _epochs = Math.Max(1, (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        _rng = new Rng(seed);
        _probabilities = Enumerable.Repeat(1.0 / _options, _options).ToArray();
        _importance = new double[_options];
    }

    public string Strategy => Name;

    public int PathsPerStep => 1;

    public bool WantsOperationGradients => true;

    /// <summary>The current probability of each option (on every decision).</summary>
    public IReadOnlyList<double> Probabilities => _probabilities;

    public IReadOnlyList<Architecture> NextStep()
    {
        var choices = new int[_space.Decisions.Count];
        for (var d = 0; d < choices.Length; d++) choices[d] = _rng.NextWeighted(_probabilities);
        return [new Architecture(_space, choices)];
    }

    /// <summary>Takes in the gradient norms of the step's path (the trainer measures the first path; PA&amp;DA trains one).</summary>
    public void Observe(StepFeedback feedback)
    {
        if (feedback.OperationGradientNorms is not { } norms)
            throw new InvalidOperationException($"strategy '{Name}' needs operation gradient norms in its feedback");
        var path = feedback.Paths[0];
        if (norms.Count != path.DecisionCount)
            throw new InvalidOperationException($"strategy '{Name}' got {norms.Count} operation gradient norms for a path of {path.DecisionCount} decisions");
        var sums = new double[_options];
        var counts = new int[_options];
        for (var d = 0; d < path.DecisionCount; d++)
        {
            if (!double.IsFinite(norms[d])) continue;
            sums[path[d]] += norms[d];
            counts[path[d]]++;
        }
        for (var o = 0; o < _options; o++)
        {
            if (counts[o] == 0 || sums[o] == 0) continue;
            var norm = sums[o] / counts[o];
            _importance[o] = _importance[o] == 0 ? norm : (_importance[o] + norm) / 2;
        }
        _observedSteps++;
        if (_observedSteps % _stepsPerEpoch == 0) EndEpoch(_observedSteps / _stepsPerEpoch);
    }

    /// <summary>Why a run of <paramref name="totalSteps"/> would sample like <c>uniform</c>, or null: importance first
    /// takes effect in the third epoch (tau is 0 after the first).</summary>
    public static string? SamplesLikeUniformWarning(string strategy, long totalSteps, int stepsPerEpoch) =>
        totalSteps <= 2L * stepsPerEpoch
            ? $"strategy '{strategy}' trains {totalSteps} steps, no more than two epochs of {stepsPerEpoch}: PA&DA's path and data importance " +
              "first take effect in the third epoch, so it samples like uniform; give it more steps or a smaller batch"
            : null;

    void EndEpoch(long epochsDone)
    {
        var total = _importance.Sum();
        if (total > 0)
        {
            // The reference sets tau = epoch / epochs before training epoch `epoch` (from 0) and mixes with it after.
            var tau = Math.Min(1.0, (double)(epochsDone - 1) / _epochs);
            for (var o = 0; o < _options; o++)
                _probabilities[o] = tau * _importance[o] / total + (1 - tau) / _options;
        }
        Array.Clear(_importance);
    }

    public string SaveState() => string.Join(' ', _rng.SaveState(), _observedSteps.ToString(CultureInfo.InvariantCulture),
        Doubles(_probabilities), Doubles(_importance));

    public void RestoreState(string state)
    {
        var parts = state.Split(' ');
        if (parts.Length != 4 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var steps))
            throw new NasException($"malformed {Name} sampler state '{state}'");
        (_rng, _observedSteps, _probabilities, _importance) = (Rng.FromState(parts[0]), steps, ParseDoubles(parts[2]), ParseDoubles(parts[3]));
        if (_probabilities.Length != _options || _importance.Length != _options)
            throw new NasException($"malformed {Name} sampler state '{state}': expected {_options} options");
    }

    // "R" round-trips doubles exactly, so a restored sampler draws what the original would have.
    static string Doubles(double[] values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    static double[] ParseDoubles(string text) => text.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
}
