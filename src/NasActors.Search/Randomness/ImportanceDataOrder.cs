using System.Globalization;
using System.Runtime.InteropServices;

namespace NasActors.Search.Randomness;

/// <summary>PA&amp;DA's data half: samples whose loss gradient is large are drawn more often. A sample's score is the
/// norm of softmax(logits) - onehot(label), the gradient of its loss with respect to the logits; the first sighting in
/// an epoch sets it and later ones average in. At the end of each epoch the scores, normalised, are mixed with uniform
/// by tau = e / epochs, e the epoch just trained counted from 0, and the next epoch draws as many samples as the set
/// holds, with replacement, from that mix. The first epoch is a plain permutation. As in the reference code, the loss
/// is not reweighted.</summary>
public sealed class ImportanceDataOrder : IDataOrder
{
    readonly int[] _indices;
    readonly Dictionary<int, int> _positionOf;
    readonly long _epochs;
    Rng _rng;
    float[] _scores;
    int[] _order;

    public ImportanceDataOrder(IReadOnlyList<int> indices, int batchSize, ulong seed, long totalSteps)
    {
        if (batchSize < 1) throw new NasException($"batch size must be positive, got {batchSize}");
        if (indices.Count < batchSize)
            throw new NasException($"batch size {batchSize} is larger than the {indices.Count} samples it draws from; lower it or use more data");
        _indices = indices.ToArray();
        _positionOf = new Dictionary<int, int>(_indices.Length);
        for (var i = 0; i < _indices.Length; i++) _positionOf[_indices[i]] = i;
        BatchSize = batchSize;
        _epochs = Math.Max(1, (totalSteps + BatchesPerEpoch - 1) / BatchesPerEpoch);
        _rng = new Rng(seed);
        _scores = new float[_indices.Length];
        _order = _rng.Permutation(_indices.Length);
    }

    public int BatchSize { get; }

    public int BatchesPerEpoch => _indices.Length / BatchSize;

    public bool WantsSampleScores => true;

    public long Epoch { get; private set; }

    public int Position { get; private set; }

    /// <summary>Positions (into the index set) that the current epoch visits, in order; a position may repeat.</summary>
    public IReadOnlyList<int> CurrentOrder => _order;

    public int[] NextBatch()
    {
        if (Position == BatchesPerEpoch) NextEpoch();
        var batch = new int[BatchSize];
        for (var i = 0; i < BatchSize; i++) batch[i] = _indices[_order[Position * BatchSize + i]];
        Position++;
        return batch;
    }

    public void Observe(int[] batch, float[] scores)
    {
        if (batch.Length != scores.Length) throw new ArgumentException($"{batch.Length} samples but {scores.Length} scores");
        for (var i = 0; i < batch.Length; i++)
        {
            if (!_positionOf.TryGetValue(batch[i], out var position)) throw new ArgumentException($"sample {batch[i]} is not in this order's set");
            if (!float.IsFinite(scores[i])) continue;
            _scores[position] = _scores[position] == 0 ? scores[i] : (_scores[position] + scores[i]) / 2;
        }
    }

    void NextEpoch()
    {
        Epoch++;
        Position = 0;
        double total = 0;
        foreach (var s in _scores) total += s;
        if (total > 0)
        {
            var tau = Math.Min(1.0, (double)(Epoch - 1) / _epochs);  // Epoch - 1: the one just trained, as the reference
            var weights = new double[_scores.Length];
            for (var i = 0; i < weights.Length; i++) weights[i] = tau * _scores[i] / total + (1 - tau) / weights.Length;
            _order = Draw(weights, _order.Length);
        }
        else _order = _rng.Permutation(_indices.Length);
        Array.Clear(_scores);
    }

    /// <summary>Draws with replacement by inverting the cumulative distribution: O(log n) per sample.</summary>
    int[] Draw(double[] weights, int count)
    {
        var cumulative = new double[weights.Length];
        double sum = 0;
        for (var i = 0; i < weights.Length; i++) cumulative[i] = sum += weights[i];
        var drawn = new int[count];
        for (var k = 0; k < count; k++)
        {
            var index = Array.BinarySearch(cumulative, _rng.NextDouble() * sum);
            drawn[k] = Math.Min(index < 0 ? ~index : index + 1, weights.Length - 1);
        }
        return drawn;
    }

    /// <summary>The generator, epoch, position, the current epoch's order and the scores gathered in it (base64 holds '/'
    /// but no space).</summary>
    public string SaveState() => string.Join(' ', _rng.SaveState(), Epoch.ToString(CultureInfo.InvariantCulture),
        Position.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(MemoryMarshal.AsBytes(_order.AsSpan())),
        Convert.ToBase64String(MemoryMarshal.AsBytes(_scores.AsSpan())));

    public void RestoreState(string state)
    {
        var parts = state.Split(' ');
        try
        {
            if (parts.Length != 5) throw new FormatException("expected 5 parts");
            var order = MemoryMarshal.Cast<byte, int>(Convert.FromBase64String(parts[3])).ToArray();
            var scores = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(parts[4])).ToArray();
            var position = int.Parse(parts[2], CultureInfo.InvariantCulture);
            if (order.Length != _indices.Length || scores.Length != _indices.Length || position < 0 || position > BatchesPerEpoch
                || order.Any(o => (uint)o >= (uint)_indices.Length))
                throw new FormatException($"does not fit a set of {_indices.Length} samples");
            (_rng, Epoch, Position, _order, _scores) = (Rng.FromState(parts[0]), long.Parse(parts[1], CultureInfo.InvariantCulture), position, order, scores);
        }
        catch (FormatException e)
        {
            throw new NasException($"malformed importance data-order state: {e.Message}");
        }
    }
}
