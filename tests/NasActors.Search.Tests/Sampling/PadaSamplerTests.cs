using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Sampling;

public sealed class PadaSamplerTests
{
    static readonly Nb201Space Space = Nb201Space.Instance;

    /// <summary>Trains with fixed per-option gradient norms: 3x3 convolutions 3, 1x1 convolutions 1, the rest no weights.</summary>
    static int[] OptionCounts(PadaSampler sampler, int steps, int countFrom)
    {
        var counts = new int[5];
        for (var s = 0; s < steps; s++)
        {
            var path = Assert.Single(sampler.NextStep());
            if (s >= countFrom) for (var d = 0; d < path.DecisionCount; d++) counts[path[d]]++;
            var norms = Enumerable.Range(0, path.DecisionCount).Select(d => path[d] switch { 2 => 1.0, 3 => 3.0, _ => 0.0 }).ToArray();
            sampler.Observe(new StepFeedback(s, [path], [2.0], norms));
        }
        return counts;
    }

    [Fact]
    public void The_first_two_epochs_should_be_uniform_as_in_the_reference_code()
    {
        var sampler = new PadaSampler(Space, 1, totalSteps: 1000, stepsPerEpoch: 100);
        var counts = OptionCounts(sampler, 100, 0);
        Assert.All(sampler.Probabilities, p => Assert.Equal(0.2, p, 1e-12));  // tau = 0 after epoch 0

        counts = [.. counts.Zip(OptionCounts(sampler, 100, 0), (a, b) => a + b)];
        Assert.All(counts, c => Assert.InRange(c, 190, 290));  // 240 expected
        Assert.True(sampler.Probabilities[3] > 0.2, "tau = 1/10 after epoch 1 should favour conv3x3 in epoch 2");
    }

    [Fact]
    public void After_warm_up_options_with_larger_gradient_norms_should_be_sampled_more_often()
    {
        var sampler = new PadaSampler(Space, 2, totalSteps: 1000, stepsPerEpoch: 100);
        var counts = OptionCounts(sampler, 1000, countFrom: 500);

        // conv3x3 > conv1x1 > each parameter-free option
        Assert.True(counts[3] > 2 * counts[2], $"conv3x3 {counts[3]} vs conv1x1 {counts[2]}");
        Assert.True(counts[2] > 2 * counts[0] && counts[2] > 2 * counts[1] && counts[2] > 2 * counts[4], string.Join(",", counts));
    }

    [Fact]
    public void The_mix_with_uniform_should_follow_tau_equal_to_the_epoch_just_trained_over_epochs()
    {
        var sampler = new PadaSampler(Space, 3, totalSteps: 1000, stepsPerEpoch: 100);
        OptionCounts(sampler, 500, 0);  // epochs 0-4 of 10 trained: tau = 4 / 10 for epoch 5

        // Importance: conv1x1 1, conv3x3 3 (normalised 0.25, 0.75); parameter-free options none.
        var p = sampler.Probabilities;
        Assert.Equal(0.6 / 5, p[0], 1e-12);
        Assert.Equal(0.6 / 5, p[1], 1e-12);
        Assert.Equal(0.4 * 0.25 + 0.6 / 5, p[2], 1e-12);
        Assert.Equal(0.4 * 0.75 + 0.6 / 5, p[3], 1e-12);
        Assert.Equal(0.6 / 5, p[4], 1e-12);
    }

    [Fact]
    public void Feedback_without_gradient_norms_should_be_refused()
    {
        var sampler = new PadaSampler(Space, 4, 100, 10);
        var path = sampler.NextStep();
        Assert.Throws<InvalidOperationException>(() => sampler.Observe(new StepFeedback(0, path, [2.0])));
    }

    [Fact]
    public void Norms_that_do_not_fit_the_path_should_be_refused_naming_both_counts()
    {
        var sampler = new PadaSampler(Space, 5, 100, 10);
        var path = sampler.NextStep();

        var refused = Assert.Throws<InvalidOperationException>(() => sampler.Observe(new StepFeedback(0, path, [2.0], [1.0, 1.0])));
        Assert.Contains($"2 operation gradient norms for a path of {path[0].DecisionCount} decisions", refused.Message);
    }

    [Fact]
    public void A_run_within_its_first_two_epochs_should_be_warned_that_it_samples_like_uniform()
    {
        Assert.Contains("samples like uniform", PadaSampler.SamplesLikeUniformWarning("pada", totalSteps: 780, stepsPerEpoch: 390));
        Assert.Null(PadaSampler.SamplesLikeUniformWarning("pada", totalSteps: 781, stepsPerEpoch: 390));
    }
}

public sealed class ImportanceDataOrderTests
{
    [Fact]
    public void The_first_epoch_should_visit_every_sample_once()
    {
        var order = new ImportanceDataOrder(Enumerable.Range(100, 1000).ToArray(), 10, 1, totalSteps: 1000);
        var seen = Enumerable.Range(0, order.BatchesPerEpoch).SelectMany(_ => order.NextBatch()).ToArray();
        Assert.Equal(Enumerable.Range(100, 1000), seen.Order());
    }

    [Fact]
    public void After_warm_up_samples_with_larger_scores_should_be_drawn_more_often()
    {
        // 1000 samples, 10 epochs of 100 batches; samples 0..99 score 1, the rest 0.1.
        var order = new ImportanceDataOrder(Enumerable.Range(0, 1000).ToArray(), 10, 2, totalSteps: 1000);
        var hard = 0;
        var total = 0;
        for (var step = 0; step < 1000; step++)
        {
            var batch = order.NextBatch();
            if (step >= 500)
            {
                hard += batch.Count(i => i < 100);
                total += batch.Length;
            }
            order.Observe(batch, batch.Select(i => i < 100 ? 1f : 0.1f).ToArray());
        }
        // Uniform would give 10%. By importance alone 1/1.9 = 53% at first, more later (samples not drawn in an epoch
        // score 0, as in the reference code); tau runs from 0.4 to 0.8 over these epochs.
        Assert.InRange(hard / (double)total, 0.3, 0.9);
    }

    [Fact]
    public void RestoreState_should_continue_mid_epoch_exactly()
    {
        IEnumerable<int[]> Run(ImportanceDataOrder order, int steps)
        {
            for (var s = 0; s < steps; s++)
            {
                var batch = order.NextBatch();
                order.Observe(batch, batch.Select(i => (float)(i % 7 + 1)).ToArray());
                yield return batch;
            }
        }
        var uninterrupted = Run(new ImportanceDataOrder(Enumerable.Range(0, 300).ToArray(), 10, 3, 300), 300).SelectMany(b => b).ToArray();
        var original = new ImportanceDataOrder(Enumerable.Range(0, 300).ToArray(), 10, 3, 300);
        _ = Run(original, 145).ToArray();

        var resumed = new ImportanceDataOrder(Enumerable.Range(0, 300).ToArray(), 10, 77, 300);
        resumed.RestoreState(original.SaveState());

        Assert.Equal(uninterrupted.Skip(1450), Run(resumed, 155).SelectMany(b => b));
    }

    [Fact]
    public void A_state_of_another_set_size_should_be_refused()
    {
        var small = new ImportanceDataOrder(Enumerable.Range(0, 100).ToArray(), 10, 1, 100);
        var large = new ImportanceDataOrder(Enumerable.Range(0, 200).ToArray(), 10, 1, 100);
        Assert.Throws<NasException>(() => large.RestoreState(small.SaveState()));
    }
}
