using System.Globalization;
using System.Net;
using System.Text;
using NasActors.Search.Spaces;

namespace NasActors.Cli.Plots;

/// <summary>A NAS-Bench-201 cell drawn as NAS papers draw it, as a small inline SVG (about 220x90, no ids, no scripts):
/// nodes 0 (input) to 3 (output) left to right, each edge labelled by its operation and coloured by it, <c>none</c>
/// edges faint, dead edges (no signal from node 0 reaches them, or theirs never reaches node 3) grey, and how many
/// strings of the space compute the same function. Used by <c>search report</c> and the dashboard alike.</summary>
public static class CellPicture
{
    public const int Width = 220, Height = 90;
    const double NodeY = 44, NodeRadius = 8, ArrowLength = 5;
    const string DeadColour = "#b0b0b0", NoneColour = "#dcdcdc";

    /// <summary>Where each edge's label sits: the apex of its arc above (negative) or below (positive) the nodes' line,
    /// 0 for a straight edge between neighbours. Arcs are drawn first, so straight edges' labels stay on top.</summary>
    static readonly (int To, int From, double Bend)[] Layout = [(3, 0, -34), (2, 0, -18), (3, 1, 22), (1, 0, 0), (2, 1, 0), (3, 2, 0)];

    /// <summary>Short labels, short enough for an edge between neighbours; the full name is in each edge's title.</summary>
    static readonly Dictionary<string, (string Label, string Colour)> Looks = new(StringComparer.Ordinal)
    {
        [Nb201Space.Conv3x3] = ("3x3", "#d62728"),
        [Nb201Space.Conv1x1] = ("1x1", "#1f77b4"),
        [Nb201Space.SkipConnect] = ("skip", "#2ca02c"),
        [Nb201Space.AvgPool3x3] = ("pool", "#ff7f0e"),
    };

    /// <summary>The picture of <paramref name="architecture"/> in <paramref name="space"/>'s notation; null for a space
    /// this picture cannot draw (any but nb201). A malformed string is a <see cref="NasActors.Search.NasException"/>.</summary>
    public static string? Of(IChoiceSpace space, string architecture)
    {
        ArgumentNullException.ThrowIfNull(space);
        return space is Nb201Space ? Svg(space.Parse(architecture)) : null;
    }

    /// <summary>The picture of an nb201 cell, drawn as it is spelled (not canonicalised: what canonicalisation drops is
    /// what shows grey).</summary>
    public static string Svg(Architecture cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Space is not Nb201Space) throw new ArgumentException($"a cell picture draws nb201 cells, not {cell.Space.Name}", nameof(cell));
        var live = Nb201Space.LiveEdges(cell);
        var aliases = CanonicalForms.Of(cell.Space).AliasCount(cell);
        var degenerate = Nb201Space.IsDegenerate(cell);
        var text = cell.ToString();
        var caption = degenerate ? Invariant($"output always zero ({aliases:N0} strings)")
            : aliases == 1 ? "the only string computing this"
            : Invariant($"{aliases:N0} strings compute this function");

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cell\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" "));
        svg.Append("font-family=\"sans-serif\" font-size=\"10\" role=\"img\">");
        svg.Append($"<title>{Escape(text)} ({Escape(caption)})</title>");
        foreach (var (to, from, bend) in Layout)
        {
            var edge = Nb201Space.EdgeIndex(to, from);
            Edge(svg, to, from, bend, cell.OptionAt(edge), live[edge]);
        }
        for (var node = 0; node < Nb201Space.NodeCount; node++)
        {
            var x = NodeX(node);
            var ends = node == 0 || node == Nb201Space.NodeCount - 1;
            svg.Append(Invariant($"<circle cx=\"{x:0.#}\" cy=\"{NodeY}\" r=\"{NodeRadius}\" fill=\"{(ends ? "#e8e8e8" : "white")}\" stroke=\"#444\"/>"));
            svg.Append(Invariant($"<text x=\"{x:0.#}\" y=\"{NodeY + 3.5}\" text-anchor=\"middle\">{node}</text>"));
        }
        svg.Append(Invariant($"<text class=\"aliases\" x=\"{Width / 2}\" y=\"{Height - 3}\" text-anchor=\"middle\" fill=\"#555\">{Escape(caption)}</text>"));
        svg.Append("</svg>");
        return svg.ToString();
    }

    static double NodeX(int node) => 18 + node * (Width - 36) / (double)(Nb201Space.NodeCount - 1);

    /// <summary>One edge as a group: its curve ending in an arrowhead at the target node and, unless it is <c>none</c>,
    /// its label at the curve's apex on a white halo. The group's class says live, dead or none.</summary>
    static void Edge(StringBuilder svg, int to, int from, double bend, string operation, bool live)
    {
        var state = operation == Nb201Space.None ? "none" : live ? "live" : "dead";
        var (label, colour) = Looks.GetValueOrDefault(operation, (operation, "#444"));
        if (state != "live") colour = state == "none" ? NoneColour : DeadColour;
        var name = $"{to}<-{from}";
        var why = state == "dead" ? " (dead: no signal from the input reaches the output through it)" : "";
        svg.Append($"<g class=\"edge {state}\" data-edge=\"{Escape(name)}\" data-op=\"{Escape(operation)}\">");
        svg.Append($"<title>{Escape($"{name}: {operation}{why}")}</title>");

        // A quadratic curve whose apex (its point at t = 1/2) lies bend pixels off the nodes' line.
        var (x0, x2) = (NodeX(from), NodeX(to));
        var (cx, cy) = ((x0 + x2) / 2, NodeY + 2 * bend);
        var (apexX, apexY) = ((x0 + x2) / 2, NodeY + bend);
        var dash = state == "none" ? " stroke-dasharray=\"3 3\"" : "";
        var width = state == "live" ? "1.6" : "1.2";
        svg.Append(Invariant($"<path d=\"M{x0:0.#},{NodeY} Q{cx:0.#},{cy:0.#} {x2:0.#},{NodeY}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash}/>"));

        // The arrowhead points along the curve's tangent at its end (towards the target from the control point).
        var (dx, dy) = (x2 - cx, NodeY - cy);
        var length = Math.Sqrt(dx * dx + dy * dy);
        (dx, dy) = (dx / length, dy / length);
        var (tipX, tipY) = (x2 - dx * NodeRadius, NodeY - dy * NodeRadius);
        var (baseX, baseY) = (tipX - dx * ArrowLength, tipY - dy * ArrowLength);
        var (nx, ny) = (-dy * ArrowLength / 2, dx * ArrowLength / 2);
        svg.Append(Invariant($"<path d=\"M{tipX:0.#},{tipY:0.#} L{baseX + nx:0.#},{baseY + ny:0.#} L{baseX - nx:0.#},{baseY - ny:0.#} Z\" fill=\"{colour}\"/>"));

        if (state != "none")
            svg.Append(Invariant($"<text x=\"{apexX:0.#}\" y=\"{apexY + 3.5:0.#}\" text-anchor=\"middle\" fill=\"{colour}\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">{Escape(label)}</text>"));
        svg.Append("</g>");
    }

    static string Escape(string text) => WebUtility.HtmlEncode(text);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
