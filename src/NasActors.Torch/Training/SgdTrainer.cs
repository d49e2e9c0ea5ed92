using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>One optimizer over a network: a step trains one or more paths on one batch, accumulating their gradients.</summary>
public sealed class SgdTrainer : IDisposable
{
    readonly Nb201Network _network;
    readonly SGD _optimizer;
    readonly Parameter[] _parameters;
    readonly Tensor[] _buffers;

    public SgdTrainer(Nb201Network network, SgdSettings settings, long totalSteps)
    {
        settings.Validate();
        if (totalSteps < 1) throw new NasException($"the number of training steps must be positive, got {totalSteps}");
        _network = network;
        Settings = settings;
        TotalSteps = totalSteps;
        _parameters = network.parameters().ToArray();
        _buffers = network.buffers().ToArray();
        _optimizer = optim.SGD(_parameters, settings.LearningRate, settings.Momentum, 0, settings.WeightDecay, settings.Nesterov);
    }

    public SgdSettings Settings { get; }
    public long TotalSteps { get; }
    public SGD Optimizer => _optimizer;

    /// <summary>Trains <paramref name="paths"/> on one batch as optimizer step number <paramref name="step"/> (0-based);
    /// returns each path's loss. Throws <see cref="NonFiniteLossException"/>, before updating, when the loss or the
    /// gradient stays NaN or infinite over <see cref="MaxAttempts"/> computations of the step.</summary>
    public double[] Step(Tensor images, Tensor labels, IReadOnlyList<Architecture> paths, long step)
    {
        using var scope = NewDisposeScope();
        // Switching modes walks every module of the supernet: only do it after an evaluation switched it off.
        if (!_network.training) _network.train();
        var learningRate = Settings.LearningRateAt(step, TotalSteps);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
        var buffersBefore = _buffers.Select(b => b.clone()).ToArray();
        for (var attempt = 1; ; attempt++)
        {
            var (losses, gradientNorm, badLoss) = Backward(images, labels, paths);
            if (badLoss is null && double.IsFinite(gradientNorm))
            {
                _optimizer.step();
                return losses;
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

    /// <summary>Steps that had to be recomputed because a loss or the gradient came out non-finite.</summary>
    public long GradientRetries { get; private set; }

    (double[] Losses, double GradientNorm, (string Path, double Value)? BadLoss) Backward(Tensor images, Tensor labels, IReadOnlyList<Architecture> paths)
    {
        // Unset gradients (not zeros), as PyTorch's zero_grad(set_to_none=True): operations off the path then get
        // no weight decay or momentum update, which is what single-path training means.
        foreach (var parameter in _parameters) parameter.grad = null;
        var losses = new double[paths.Count];
        for (var p = 0; p < paths.Count; p++)
        {
            using var pathScope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(_network.Forward(images, paths[p]), labels);
            losses[p] = loss.item<float>();
            if (!double.IsFinite(losses[p])) return (losses, double.NaN, (paths[p].ToString(), losses[p]));
            loss.backward();
        }
        GradientFault?.Invoke(_parameters);
        // The total norm doubles as the finiteness check; without clipping, a bound no real norm reaches (and that
        // libtorch can still hold as a float) leaves gradients as they are.
        var maxNorm = Settings.GradientClip > 0 ? Settings.GradientClip : 1e15;
        return (losses, nn.utils.clip_grad_norm_(_parameters.Where(p => p.grad is not null), maxNorm), null);
    }

    public void Dispose() => _optimizer.Dispose();
}
