using System.Text;

namespace NasActors.Search.Spaces;

/// <summary>The NAS-Bench-201 cell: 4 nodes, 6 edges (i&lt;-j for j &lt; i), 5 operations per edge, 15,625 cells.
/// Prints and parses NAS-Bench-201's notation, e.g. <c>|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|</c>.</summary>
public sealed class Nb201Space : IChoiceSpace
{
    public const string SpaceName = "nb201";
    public const int NodeCount = 4;

    public const string None = "none";
    public const string SkipConnect = "skip_connect";
    public const string Conv1x1 = "nor_conv_1x1";
    public const string Conv3x3 = "nor_conv_3x3";
    public const string AvgPool3x3 = "avg_pool_3x3";

    /// <summary>The operations, in NAS-Bench-201's order (which fixes option indices and architecture indices).</summary>
    public static IReadOnlyList<string> Operations { get; } = [None, SkipConnect, Conv1x1, Conv3x3, AvgPool3x3];

    /// <summary>The edges as (to, from), in NAS-Bench-201's string order.</summary>
    public static IReadOnlyList<(int To, int From)> Edges { get; } = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)];

    public static Nb201Space Instance { get; } = new();

    Nb201Space() => Decisions = Edges.Select(e => new Decision($"{e.To}<-{e.From}", Operations)).ToArray();

    public string Name => SpaceName;
    public IReadOnlyList<Decision> Decisions { get; }
    public long Size => 15_625;

    public bool HasCanonicalForms => true;

    /// <summary>A 3x3 convolution on every edge.</summary>
    public Architecture Largest => new(this, Enumerable.Repeat(OperationIndex(Conv3x3), Edges.Count).ToArray());

    /// <summary>A skip connection on every edge: no weights in the cells, yet every edge carries the input forward.</summary>
    public Architecture Smallest => new(this, Enumerable.Repeat(OperationIndex(SkipConnect), Edges.Count).ToArray());

    /// <summary>Decision index of edge to&lt;-from.</summary>
    public static int EdgeIndex(int to, int from) => to * (to - 1) / 2 + from;

    public static int OperationIndex(string name)
    {
        for (var i = 0; i < Operations.Count; i++) if (Operations[i] == name) return i;
        return -1;
    }

    public Architecture Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var nodes = trimmed.Split('+');
        if (nodes.Length != NodeCount - 1)
            throw Malformed(text, $"expected {NodeCount - 1} node groups separated by '+', found {nodes.Length}");
        var choices = new int[Edges.Count];
        for (var to = 1; to < NodeCount; to++)
        {
            var group = nodes[to - 1];
            if (group.Length < 2 || group[0] != '|' || group[^1] != '|')
                throw Malformed(text, $"node {to}'s group '{group}' must start and end with '|'");
            var inputs = group[1..^1].Split('|');
            if (inputs.Length != to)
                throw Malformed(text, $"node {to}'s group '{group}' must have {to} inputs (op~0 .. op~{to - 1}), found {inputs.Length}");
            for (var from = 0; from < to; from++)
            {
                var token = inputs[from];
                var tilde = token.LastIndexOf('~');
                if (tilde < 0) throw Malformed(text, $"'{token}' in node {to}'s group must look like op~{from}");
                var op = token[..tilde];
                var source = token[(tilde + 1)..];
                if (source != from.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    throw Malformed(text, $"'{token}' in node {to}'s group must take input {from}, not '{source}'");
                var option = OperationIndex(op);
                if (option < 0)
                    throw Malformed(text, $"unknown operation '{op}' in '{token}'; known: {string.Join(", ", Operations)}");
                choices[EdgeIndex(to, from)] = option;
            }
        }
        return new Architecture(this, choices);
    }

    static NasException Malformed(string text, string problem) =>
        new($"malformed NAS-Bench-201 architecture '{text}': {problem}. " +
            "Example: |nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|");

    public string Format(Architecture architecture)
    {
        var text = new StringBuilder("|");
        for (var to = 1; to < NodeCount; to++)
        {
            if (to > 1) text.Append("+|");
            for (var from = 0; from < to; from++)
                text.Append(Operations[architecture[EdgeIndex(to, from)]]).Append('~').Append(from).Append('|');
        }
        return text.ToString();
    }

    /// <summary>Replaces with <c>none</c> every edge that cannot affect the output: those leaving a node that is
    /// always zero and those entering a node that never reaches the output node.</summary>
    public Architecture Canonicalize(Architecture architecture)
    {
        var live = LiveEdges(architecture);
        var choices = new int[Edges.Count];
        for (var e = 0; e < choices.Length; e++) choices[e] = live[e] ? architecture[e] : 0;
        return new Architecture(this, choices);
    }

    /// <summary>True when the output node only ever receives zeros: the net then predicts from zeros (chance accuracy).</summary>
    public static bool IsDegenerate(Architecture architecture) => !NonZeroNodes(architecture)[NodeCount - 1];

    /// <summary>Which edges carry a signal from the input to the output.</summary>
    public static bool[] LiveEdges(Architecture architecture)
    {
        var nonZero = NonZeroNodes(architecture);
        var reachesOutput = new bool[NodeCount];
        reachesOutput[NodeCount - 1] = true;
        for (var from = NodeCount - 2; from >= 0; from--)
            for (var to = from + 1; to < NodeCount; to++)
                if (architecture[EdgeIndex(to, from)] != 0 && reachesOutput[to]) reachesOutput[from] = true;
        var live = new bool[Edges.Count];
        for (var e = 0; e < Edges.Count; e++)
        {
            var (to, from) = Edges[e];
            live[e] = architecture[e] != 0 && nonZero[from] && reachesOutput[to];
        }
        return live;
    }

    static bool[] NonZeroNodes(Architecture architecture)
    {
        var nonZero = new bool[NodeCount];
        nonZero[0] = true;
        for (var to = 1; to < NodeCount; to++)
            for (var from = 0; from < to; from++)
                if (architecture[EdgeIndex(to, from)] != 0 && nonZero[from]) nonZero[to] = true;
        return nonZero;
    }

    /// <summary>How many edges that carry a signal from input to output hold a convolution.</summary>
    public static int LiveConvolutions(Architecture architecture)
    {
        var live = LiveEdges(architecture);
        var count = 0;
        for (var e = 0; e < Edges.Count; e++)
            if (live[e] && Operations[architecture[e]] is Conv1x1 or Conv3x3) count++;
        return count;
    }

    /// <summary>A cheap proxy for capacity: convolution weights per channel pair on live edges (3x3 counts 9, 1x1 counts 1),
    /// plus a little for the parameter-free operations. Used to stratify ground-truth samples from weak to strong.</summary>
    public static double CapacityProxy(Architecture architecture)
    {
        var live = LiveEdges(architecture);
        double score = 0;
        for (var e = 0; e < Edges.Count; e++)
        {
            if (!live[e]) continue;
            score += Operations[architecture[e]] switch { Conv3x3 => 9, Conv1x1 => 1, _ => 0.25 };
        }
        return score;
    }
}
