using NasActors.Torch.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>SGD with momentum, weight decay and optional Nesterov momentum, with the same arithmetic as PyTorch's (and
/// TorchSharp's) <c>SGD</c>: d = g + wd p; b = d the first time, then m b + d; with Nesterov d += m b, else d = b;
/// p -= lr d. Written here because TorchSharp's passes temporary scalars whose finalizers can free them during the
/// native call (see <see cref="Scalars"/>); every scalar here lives until its calls return. Parameters without a
/// gradient are skipped (no decay, no momentum), as PyTorch does.</summary>
public sealed class MomentumSgd : IDisposable
{
    readonly Parameter[] _parameters;
    readonly Tensor?[] _momentum;

    public MomentumSgd(IReadOnlyList<Parameter> parameters, double learningRate, double momentum, double weightDecay, bool nesterov)
    {
        if (nesterov && momentum <= 0) throw new ArgumentException("Nesterov momentum needs a positive momentum", nameof(momentum));
        _parameters = parameters.ToArray();
        _momentum = new Tensor?[_parameters.Length];
        (LearningRate, Momentum, WeightDecay, Nesterov) = (learningRate, momentum, weightDecay, nesterov);
    }

    public double LearningRate { get; set; }
    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var weightDecay = WeightDecay.ToScalar();
        using var momentum = Momentum.ToScalar();
        using var descent = (-LearningRate).ToScalar();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            if (parameter.grad is not { } gradient) continue;
            var direction = WeightDecay != 0 ? gradient.add(parameter, weightDecay) : gradient;
            if (Momentum != 0)
            {
                if (_momentum[i] is not { } buffer)
                    _momentum[i] = buffer = direction.clone().detach().DetachFromDisposeScope();
                else
                    buffer.mul_(momentum).add_(direction, Scalars.One);
                direction = Nesterov ? direction.add(buffer, momentum) : buffer;
            }
            parameter.add_(direction, descent);
        }
    }

    /// <summary>Momentum buffers in parameter order (a flag, then the tensor when there is one).</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(_momentum.Length);
        foreach (var buffer in _momentum)
        {
            writer.Write(buffer is not null);
            buffer?.Save(writer);
        }
    }

    public void Load(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count != _momentum.Length)
            throw new InvalidDataException($"the optimizer state holds {count} parameters, this network has {_momentum.Length}");
        for (var i = 0; i < count; i++)
        {
            _momentum[i]?.Dispose();
            _momentum[i] = null;
            if (!reader.ReadBoolean()) continue;
            var buffer = zeros_like(_parameters[i]).DetachFromDisposeScope();
            Checkpoints.InPlaceLoading.LoadTensor(buffer, reader, $"momentum of parameter {i}");
            _momentum[i] = buffer;
        }
    }

    public void Dispose()
    {
        foreach (var buffer in _momentum) buffer?.Dispose();
        Array.Clear(_momentum);
    }
}
