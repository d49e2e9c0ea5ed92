namespace NasActors.Search.Randomness;

/// <summary>Which training samples each step sees. Its state saves to text, so a checkpoint restores it mid-epoch.</summary>
public interface IDataOrder
{
    int BatchSize { get; }

    int BatchesPerEpoch { get; }

    /// <summary>Whether <see cref="Observe"/> needs per-sample scores (they cost a softmax over the logits).</summary>
    bool WantsSampleScores => false;

    int[] NextBatch();

    /// <summary>Per-sample scores of the batch just trained, in the batch's order.</summary>
    void Observe(int[] batch, float[] scores) { }

    string SaveState();

    void RestoreState(string state);
}
