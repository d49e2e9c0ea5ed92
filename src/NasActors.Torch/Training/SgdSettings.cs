namespace NasActors.Torch.Training;

/// <summary>SGD with momentum, a cosine learning-rate schedule and gradient clipping, as NAS-Bench-201 trains.</summary>
public sealed record SgdSettings(
    double LearningRate,
    double Momentum,
    double WeightDecay,
    bool Nesterov,
    double GradientClip,
    int BatchSize,
    double MinLearningRate = 0)
{
    /// <summary>Stand-alone training of a child model (NAS-Bench-201's recipe, batch 128 for CPUs).</summary>
    public static SgdSettings Standalone { get; } = new(0.1, 0.9, 5e-4, Nesterov: true, GradientClip: 0, BatchSize: 128);

    /// <summary>Supernet training (as the NAS-Bench-201 one-shot baselines: lr 0.025, clip 5).</summary>
    public static SgdSettings Supernet { get; } = new(0.025, 0.9, 5e-4, Nesterov: true, GradientClip: 5, BatchSize: 128, MinLearningRate: 0.001);

    public void Validate()
    {
        if (!(LearningRate > 0)) throw new NasException($"learning rate must be positive, got {LearningRate}");
        if (Momentum is < 0 or >= 1) throw new NasException($"momentum must be in [0, 1), got {Momentum}");
        if (WeightDecay < 0) throw new NasException($"weight decay must not be negative, got {WeightDecay}");
        if (GradientClip < 0) throw new NasException($"gradient clip must not be negative (0 turns it off), got {GradientClip}");
        if (BatchSize < 1) throw new NasException($"batch size must be positive, got {BatchSize}");
    }

    /// <summary>Cosine annealing from the base rate to the minimum over <paramref name="totalSteps"/>.</summary>
    public double LearningRateAt(long step, long totalSteps)
    {
        var progress = totalSteps <= 0 ? 0 : Math.Clamp((double)step / totalSteps, 0, 1);
        return MinLearningRate + 0.5 * (LearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }
}
