using System.Globalization;
using NasActors.Search.Spaces;

namespace NasActors.Torch.Training;

/// <summary>Per decision and option, the optimizer steps in which that option was trained on a live edge by at least one
/// of the step's paths: how often an operation's weights were updated (an option on a dead edge gets no gradient).</summary>
public sealed class OperationUpdates
{
    /// <summary>The checkpoint metadata that holds the counts (<see cref="Format"/>).</summary>
    public const string MetadataKey = "operation-updates";

    readonly long[][] _counts;

    public OperationUpdates(IChoiceSpace space) => _counts = space.Decisions.Select(d => new long[d.Options.Count]).ToArray();

    OperationUpdates(long[][] counts) => _counts = counts;

    public int DecisionCount => _counts.Length;

    /// <summary>The updates of each option of <paramref name="decision"/>.</summary>
    public IReadOnlyList<long> Of(int decision) => _counts[decision];

    public long this[int decision, int option] => _counts[decision][option];

    /// <summary>Counts one optimizer step that trained <paramref name="paths"/>. The live edges come from the architecture
    /// alone (no tensor work); an option that several of the step's paths train is one update.</summary>
    public void Record(IReadOnlyList<Architecture> paths)
    {
        var trained = new HashSet<(int Decision, int Option)>();
        foreach (var path in paths)
        {
            var live = Nb201Space.LiveEdges(path);
            for (var d = 0; d < live.Length; d++)
                if (live[d]) trained.Add((d, path[d]));
        }
        foreach (var (decision, option) in trained) _counts[decision][option]++;
    }

    /// <summary>Compact text: decisions separated by ';', each its options' counts separated by ','.</summary>
    public string Format() =>
        string.Join(';', _counts.Select(options => string.Join(',', options.Select(c => c.ToString(CultureInfo.InvariantCulture)))));

    /// <summary>Reads <see cref="Format"/>'s text; null when it does not fit <paramref name="space"/>.</summary>
    public static OperationUpdates? Parse(string text, IChoiceSpace space)
    {
        var decisions = text.Split(';');
        if (decisions.Length != space.Decisions.Count) return null;
        var counts = new long[decisions.Length][];
        for (var d = 0; d < decisions.Length; d++)
        {
            var options = decisions[d].Split(',');
            if (options.Length != space.Decisions[d].Options.Count) return null;
            counts[d] = new long[options.Length];
            for (var o = 0; o < options.Length; o++)
                if (!long.TryParse(options[o], NumberStyles.None, CultureInfo.InvariantCulture, out counts[d][o])) return null;
        }
        return new OperationUpdates(counts);
    }
}
