using NasActors.Search.Spaces;
using NasActors.Torch.Runtime;
using TorchSharp;
using NasActors.Torch.Supernets;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>What one optimizer step measured: each path's loss and, when asked for, the gradient norm of the option each
/// decision trained (summed over cells; NaN where no trained path reaches it) and each sample's loss-gradient norm
/// with respect to the logits, ||softmax(logits) - onehot(label)||, from the first path.</summary>
public sealed record StepResult(double[] Losses, double[]? OperationGradientNorms, float[]? SampleScores);

/// <summary>What a step should measure beyond the losses, and the MAGIC-A alignment to add to the loss.</summary>
public sealed record StepOptions(bool OperationGradients = false, bool SampleScores = false, Alignment? Alignment = null)
{
    public static StepOptions None { get; } = new();
}

/// <summary>MAGIC-A: every cell output of a trained path is pulled, by a mean-squared error of weight
/// <paramref name="Weight"/>, towards the cell outputs of the anchor child on the same batch (held fixed), so that shared
/// operators see similar inputs and outputs whichever child runs them. Both are standardised per image first: a cell of
/// skips and pools sums its input unnormalised (x4 a cell), so raw outputs of a 15-cell supernet differ by orders of
/// magnitude, and their raw error drove MAGIC-AT's gradient norm to infinity at step 1,172.</summary>
public sealed record Alignment(Architecture Anchor, double Weight);

/// <summary>One optimizer over a network: a step trains one or more paths on one batch, accumulating their gradients.</summary>
public sealed class SgdTrainer : IDisposable
{
    readonly PathNetwork _network;
    readonly MomentumSgd _optimizer;
    readonly Parameter[] _parameters;
    readonly Tensor[] _buffers;

    public SgdTrainer(PathNetwork network, SgdSettings settings, long totalSteps)
    {
        settings.Validate();
        if (totalSteps < 1) throw new NasException($"the number of training steps must be positive, got {totalSteps}");
        _network = network;
        Settings = settings;
        TotalSteps = totalSteps;
        _parameters = network.parameters().ToArray();
        _buffers = network.buffers().ToArray();
        _optimizer = new MomentumSgd(_parameters, settings.LearningRate, settings.Momentum, settings.WeightDecay, settings.Nesterov);
    }

    public SgdSettings Settings { get; }
    public long TotalSteps { get; }
    public MomentumSgd Optimizer => _optimizer;

    /// <summary>Trains <paramref name="paths"/> on one batch as optimizer step number <paramref name="step"/> (0-based);
    /// returns each path's loss. Throws <see cref="NonFiniteLossException"/>, before updating, when the loss or the
    /// gradient stays NaN or infinite over <see cref="MaxAttempts"/> computations of the step.</summary>
    public double[] Step(Tensor images, Tensor labels, IReadOnlyList<Architecture> paths, long step) =>
        Step(images, labels, paths, step, StepOptions.None).Losses;

    public StepResult Step(Tensor images, Tensor labels, IReadOnlyList<Architecture> paths, long step, StepOptions options)
    {
        using var scope = NewDisposeScope();
        // Switching modes walks every module of the supernet: only do it after an evaluation switched it off.
        if (!_network.training) _network.train();
        var learningRate = Settings.LearningRateAt(step, TotalSteps);
        _optimizer.LearningRate = learningRate;
        var buffersBefore = _buffers.Select(b => b.clone()).ToArray();
        var anchorOutputs = options.Alignment is { } alignment ? AnchorOutputs(images, alignment.Anchor) : null;
        for (var attempt = 1; ; attempt++)
        {
            var (losses, gradientNorm, badLoss, scores) = Backward(images, labels, paths, options, anchorOutputs);
            if (badLoss is null && double.IsFinite(gradientNorm))
            {
                var operationNorms = options.OperationGradients ? OperationGradientNorms(paths) : null;
                _optimizer.Step();
                LastGradientNorm = gradientNorm;
                return new StepResult(losses, operationNorms, scores);
            }
            // oneDNN's intermittent fault (see TorchRuntime) gives a NaN now and then, in a gradient or even a loss; the
            // same batch recomputed gives the true result, so the step stays what an unaffected run would have done.
            // Diverged weights give it every time, and training stops.
            GradientRetries++;
            if (attempt == MaxAttempts)
                throw badLoss is { } loss
                    ? new NonFiniteLossException(step, loss.Path, loss.Value, $"loss stayed {loss.Value} over {MaxAttempts} attempts")
                    : new NonFiniteLossException(step, string.Join(" ", paths), gradientNorm, $"gradient norm stayed {gradientNorm} over {MaxAttempts} attempts");
            using (no_grad())
                for (var b = 0; b < _buffers.Length; b++) _buffers[b].copy_(buffersBefore[b]);  // BatchNorm running statistics
        }
    }

    /// <summary>Computations of one step before a non-finite loss or gradient stops training.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Test seam: runs after each backward pass, so tests can corrupt gradients as oneDNN sometimes does.</summary>
    internal Action<IReadOnlyList<Parameter>>? GradientFault { get; set; }

    /// <summary>The total gradient norm of the last step taken, before clipping (NaN before the first).</summary>
    public double LastGradientNorm { get; private set; } = double.NaN;

    /// <summary>Steps that had to be recomputed because a loss or the gradient came out non-finite.</summary>
    public long GradientRetries { get; private set; }

    List<Tensor> AnchorOutputs(Tensor images, Architecture anchor)
    {
        using var noGrad = no_grad();
        var outputs = new List<Tensor>();
        _network.Forward(images, anchor, outputs);
        return outputs.Select(o => o.detach()).ToList();
    }

    (double[] Losses, double GradientNorm, (string Path, double Value)? BadLoss, float[]? Scores) Backward(
        Tensor images, Tensor labels, IReadOnlyList<Architecture> paths, StepOptions options, List<Tensor>? anchorOutputs)
    {
        // Unset gradients (not zeros), as PyTorch's zero_grad(set_to_none=True): operations off the path then get
        // no weight decay or momentum update, which is what single-path training means.
        foreach (var parameter in _parameters) parameter.grad = null;
        var losses = new double[paths.Count];
        float[]? scores = null;
        for (var p = 0; p < paths.Count; p++)
        {
            using var pathScope = NewDisposeScope();
            var cellOutputs = anchorOutputs is null ? null : new List<Tensor>();
            var logits = _network.Forward(images, paths[p], cellOutputs);
            var loss = nn.functional.cross_entropy(logits, labels);
            losses[p] = loss.item<float>();
            if (!double.IsFinite(losses[p])) return (losses, double.NaN, (paths[p].ToString(), losses[p]), null);
            if (p == 0 && options.SampleScores) scores = SampleScores(logits, labels);
            if (anchorOutputs is not null) loss = loss.add(AlignmentLoss(cellOutputs!, anchorOutputs, options.Alignment!.Weight), Scalars.One);
            loss.backward();
        }
        GradientFault?.Invoke(_parameters);
        // The total norm doubles as the finiteness check; without clipping, a bound no real norm reaches (and that
        // libtorch can still hold as a float) leaves gradients as they are.
        var maxNorm = Settings.GradientClip > 0 ? Settings.GradientClip : 1e15;
        return (losses, nn.utils.clip_grad_norm_(_parameters.Where(p => p.grad is not null), maxNorm), null, scores);
    }

    /// <summary>Weight x the mean over cells of the mean-squared error between standardised outputs: at most 4 x weight
    /// a cell, whatever the outputs' scale.</summary>
    internal static Tensor AlignmentLoss(List<Tensor> cellOutputs, List<Tensor> anchorOutputs, double weight)
    {
        Tensor? total = null;
        for (var c = 0; c < cellOutputs.Count; c++)
        {
            var term = nn.functional.mse_loss(Standardised(cellOutputs[c]), Standardised(anchorOutputs[c]));
            total = total is null ? term : total.add(term, Scalars.One);
        }
        using var scale = (weight / cellOutputs.Count).ToScalar();
        return total!.mul(scale);
    }

    /// <summary>Each image's values with mean 0 and variance 1 (over channels and positions).</summary>
    static Tensor Standardised(Tensor output)
    {
        var perImage = output.flatten(1);
        var (variance, mean) = var_mean(perImage, dimensions: [1L], unbiased: false, keepdim: true);
        return perImage.sub(mean).div(variance.add(Scalars.Epsilon, Scalars.One).sqrt());
    }

    static float[] SampleScores(Tensor logits, Tensor labels)
    {
        using var noGrad = no_grad();
        var residual = nn.functional.softmax(logits.detach(), 1) - nn.functional.one_hot(labels, logits.shape[1]).to(logits.dtype);
        return residual.norm(1).cpu().data<float>().ToArray();
    }

    /// <summary>Per decision, the gradient norm (after clipping, as PA&amp;DA takes it) of the option the first path
    /// trained there, summed over cells; 0 for an option without weights, NaN for a decision off the live path.</summary>
    double[] OperationGradientNorms(IReadOnlyList<Architecture> paths)
    {
        var path = paths[0];
        var live = Nb201Space.LiveEdges(path);
        var norms = new double[path.DecisionCount];
        // Every parameter's norm is reduced on the device and read in one transfer: a read per parameter would make a
        // GPU wait for the host dozens of times a step.
        var parameterNorms = new List<Tensor>();
        var decisionOf = new List<int>();
        for (var d = 0; d < norms.Length; d++)
        {
            if (!live[d]) { norms[d] = double.NaN; continue; }
            foreach (var parameter in _network.OperationParameters(path, d, path[d]))
                if (parameter.grad is { } grad)
                {
                    parameterNorms.Add(grad.norm().to(float32));
                    decisionOf.Add(d);
                }
        }
        if (parameterNorms.Count == 0) return norms;
        var values = stack(parameterNorms).cpu().data<float>().ToArray();
        for (var i = 0; i < values.Length; i++) norms[decisionOf[i]] += values[i];
        return norms;
    }

    public void Dispose() => _optimizer.Dispose();
}
