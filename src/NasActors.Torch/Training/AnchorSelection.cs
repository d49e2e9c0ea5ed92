using System.Globalization;
using NasActors.Search.Spaces;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;

namespace NasActors.Torch.Training;

/// <summary>MAGIC-A's anchor: the best child found so far, which trained paths are aligned with. Every
/// <see cref="Every"/> steps the current anchor and the most recently trained distinct paths are scored with the
/// supernet's weights on a fixed set of validation images, and the best becomes the anchor. The first interval trains
/// without alignment (there is no anchor yet).</summary>
public sealed class AnchorSelection
{
    readonly IChoiceSpace _space;
    readonly int[] _validationImages;
    readonly int _candidates;
    readonly LinkedList<Architecture> _recent = new();

    public AnchorSelection(IChoiceSpace space, double weight, int every, int candidates, IReadOnlyList<int> validationImages)
    {
        if (!(weight > 0)) throw new NasException($"MAGIC-A's alignment weight must be positive, got {weight}");
        if (every < 1) throw new NasException($"MAGIC-A's anchor interval must be positive, got {every}");
        if (candidates < 1) throw new NasException($"MAGIC-A needs at least one anchor candidate, got {candidates}");
        if (validationImages.Count == 0) throw new NasException("MAGIC-A needs validation images to choose its anchor");
        _space = space;
        Weight = weight;
        Every = every;
        _candidates = candidates;
        _validationImages = validationImages.ToArray();
    }

    public double Weight { get; }
    public int Every { get; }
    public Architecture? Anchor { get; private set; }

    public void BeforeStep(PathNetwork supernet, ImageDataset data, long step, TorchSharp.torch.Device device)
    {
        if (step == 0 || step % Every != 0 || _recent.Count == 0) return;
        var candidates = (Anchor is null ? _recent : _recent.Prepend(Anchor)).Distinct().ToArray();
        Architecture? best = null;
        var bestAccuracy = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            var accuracy = Evaluation.Accuracy(supernet, candidate, data, _validationImages, device);
            if (accuracy > bestAccuracy) (best, bestAccuracy) = (candidate, accuracy);
        }
        Anchor = best;
    }

    public void AfterStep(IReadOnlyList<Architecture> paths)
    {
        foreach (var path in paths)
        {
            _recent.Remove(path);
            _recent.AddFirst(path);
            if (_recent.Count > _candidates) _recent.RemoveLast();
        }
    }

    public string SaveState() => string.Join(';', new[] { Anchor?.ToString() ?? "-" }.Concat(_recent.Select(a => a.ToString())));

    public void RestoreState(string state)
    {
        var parts = state.Split(';', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new NasException("the checkpoint has no MAGIC-A anchor state; it was written by a run without alignment");
        Anchor = parts[0] == "-" ? null : _space.Parse(parts[0]);
        _recent.Clear();
        foreach (var path in parts.Skip(1)) _recent.AddLast(_space.Parse(path));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"anchor every {Every} steps, weight {Weight}");
}
