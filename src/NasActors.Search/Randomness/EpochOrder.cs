namespace NasActors.Search.Randomness;

/// <summary>Batches of sample indices: each epoch a fresh permutation of the index set, cut into full batches
/// (a last partial batch is dropped). Its state restores mid-epoch exactly.</summary>
public sealed class EpochOrder : IDataOrder
{
    readonly int[] _indices;
    Rng _rng;
    string _epochStartState;
    int[] _order;

    public EpochOrder(IReadOnlyList<int> indices, int batchSize, ulong seed)
    {
        if (batchSize < 1) throw new NasException($"batch size must be positive, got {batchSize}");
        if (indices.Count < batchSize)
            throw new NasException($"batch size {batchSize} is larger than the {indices.Count} samples it draws from; lower it or use more data");
        _indices = indices.ToArray();
        BatchSize = batchSize;
        _rng = new Rng(seed);
        _epochStartState = _rng.SaveState();
        _order = _rng.Permutation(_indices.Length);
    }

    public int BatchSize { get; }

    public int BatchesPerEpoch => _indices.Length / BatchSize;

    /// <summary>Epochs completed so far.</summary>
    public long Epoch { get; private set; }

    /// <summary>Batches already taken from the current epoch.</summary>
    public int Position { get; private set; }

    public int[] NextBatch()
    {
        if (Position == BatchesPerEpoch)
        {
            _epochStartState = _rng.SaveState();
            _order = _rng.Permutation(_indices.Length);
            Epoch++;
            Position = 0;
        }
        var batch = new int[BatchSize];
        for (var i = 0; i < BatchSize; i++) batch[i] = _indices[_order[Position * BatchSize + i]];
        Position++;
        return batch;
    }

    /// <summary>The state as text: the generator at the start of the current epoch, the epoch and the position in it.</summary>
    public string SaveState() => $"{_epochStartState}/{Epoch}/{Position}";

    public void RestoreState(string state)
    {
        var parts = state.Split('/');
        if (parts.Length != 3 || !long.TryParse(parts[1], out var epoch) || !int.TryParse(parts[2], out var position)
            || position < 0 || position > BatchesPerEpoch)
            throw new NasException($"malformed data-order state '{state}'");
        _rng = Rng.FromState(parts[0]);
        _epochStartState = parts[0];
        _order = _rng.Permutation(_indices.Length);
        Epoch = epoch;
        Position = position;
    }
}
