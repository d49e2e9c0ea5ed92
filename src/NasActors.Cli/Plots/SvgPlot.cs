using System.Globalization;
using System.Text;

namespace NasActors.Cli.Plots;

/// <summary>One panel of a figure: a title, axis labels and series of (x, y) points, drawn as dots or as a line.</summary>
public sealed record Panel(string Title, string XLabel, string YLabel, IReadOnlyList<Series> Series);

public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, bool Line = false, IReadOnlyList<double>? ErrorBars = null);

/// <summary>Self-contained SVG figures (no scripts, no fonts to fetch), for reports and the README: a grid of panels,
/// each with its own axes, ticks and legend.</summary>
public static class SvgPlot
{
    const int PanelWidth = 320, PanelHeight = 260, Margin = 48;
    static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    public static string Figure(string title, IReadOnlyList<Panel> panels, int columns = 3)
    {
        columns = Math.Max(1, Math.Min(columns, panels.Count));
        var rows = (panels.Count + columns - 1) / columns;
        var width = columns * PanelWidth;
        var height = rows * PanelHeight + 30;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>\n"));
        for (var i = 0; i < panels.Count; i++)
            DrawPanel(svg, panels[i], (i % columns) * PanelWidth, 30 + (i / columns) * PanelHeight);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    static void DrawPanel(StringBuilder svg, Panel panel, double left, double top)
    {
        var points = panel.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        var (x0, x1) = Range(points.Select(p => p.X));
        var (y0, y1) = Range(points.Select(p => p.Y).Concat(panel.Series.SelectMany(s =>
            s.ErrorBars is null ? [] : s.Points.Zip(s.ErrorBars, (p, e) => new[] { p.Y - e, p.Y + e }).SelectMany(v => v))));
        var plotLeft = left + Margin;
        var plotTop = top + 24;
        var plotWidth = PanelWidth - Margin - 14;
        var plotHeight = PanelHeight - 24 - Margin + 8;
        double X(double x) => plotLeft + (x - x0) / (x1 - x0) * plotWidth;
        double Y(double y) => plotTop + plotHeight - (y - y0) / (y1 - y0) * plotHeight;

        svg.Append(Invariant($"<text x=\"{left + PanelWidth / 2.0}\" y=\"{top + 16}\" text-anchor=\"middle\" font-size=\"12\">{Escape(panel.Title)}</text>\n"));
        svg.Append(Invariant($"<rect x=\"{plotLeft}\" y=\"{plotTop}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#888\"/>\n"));
        foreach (var tick in Ticks(x0, x1))
            svg.Append(Invariant($"<line x1=\"{X(tick):0.#}\" y1=\"{plotTop + plotHeight}\" x2=\"{X(tick):0.#}\" y2=\"{plotTop + plotHeight + 4}\" stroke=\"#888\"/>") + Invariant($"<text x=\"{X(tick):0.#}\" y=\"{plotTop + plotHeight + 15}\" text-anchor=\"middle\">{Label(tick)}</text>\n"));
        foreach (var tick in Ticks(y0, y1))
            svg.Append(Invariant($"<line x1=\"{plotLeft - 4}\" y1=\"{Y(tick):0.#}\" x2=\"{plotLeft}\" y2=\"{Y(tick):0.#}\" stroke=\"#888\"/>") + Invariant($"<text x=\"{plotLeft - 6}\" y=\"{Y(tick) + 4:0.#}\" text-anchor=\"end\">{Label(tick)}</text>\n"));
        svg.Append(Invariant($"<text x=\"{plotLeft + plotWidth / 2}\" y=\"{plotTop + plotHeight + 30}\" text-anchor=\"middle\">{Escape(panel.XLabel)}</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate({left + 12},{plotTop + plotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(panel.YLabel)}</text>\n"));

        for (var s = 0; s < panel.Series.Count; s++)
        {
            var series = panel.Series[s];
            var colour = Colours[s % Colours.Length];
            var finite = series.Points.Select((p, i) => (p, i)).Where(t => double.IsFinite(t.p.X) && double.IsFinite(t.p.Y)).ToArray();
            if (series.Line && finite.Length > 1)
                svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{string.Join(' ', finite.Select(t => Invariant($"{X(t.p.X):0.#},{Y(t.p.Y):0.#}")))}\"/>\n"));
            foreach (var (p, i) in finite)
            {
                if (series.ErrorBars is { } bars && i < bars.Count && double.IsFinite(bars[i]))
                    svg.Append(Invariant($"<line x1=\"{X(p.X):0.#}\" y1=\"{Y(p.Y - bars[i]):0.#}\" x2=\"{X(p.X):0.#}\" y2=\"{Y(p.Y + bars[i]):0.#}\" stroke=\"{colour}\"/>\n"));
                svg.Append(Invariant($"<circle cx=\"{X(p.X):0.#}\" cy=\"{Y(p.Y):0.#}\" r=\"2.5\" fill=\"{colour}\" fill-opacity=\"0.7\"/>\n"));
            }
            if (panel.Series.Count > 1)
                svg.Append(Invariant($"<circle cx=\"{plotLeft + 8}\" cy=\"{plotTop + 10 + 13 * s}\" r=\"3\" fill=\"{colour}\"/>") + Invariant($"<text x=\"{plotLeft + 15}\" y=\"{plotTop + 14 + 13 * s}\">{Escape(series.Name)}</text>\n"));
        }
    }

    /// <summary>The data's range with 5% padding; a single value gets a unit-wide range around it.</summary>
    static (double Low, double High) Range(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return (0, 1);
        var (low, high) = (finite.Min(), finite.Max());
        if (high - low < 1e-12) return (low - 0.5, high + 0.5);
        var pad = (high - low) * 0.05;
        return (low - pad, high + pad);
    }

    /// <summary>About five round ticks (1, 2 or 5 times a power of ten apart) inside the range.</summary>
    static IEnumerable<double> Ticks(double low, double high)
    {
        var rough = (high - low) / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        for (var tick = Math.Ceiling(low / step) * step; tick <= high + step * 1e-9; tick += step) yield return tick;
    }

    static string Label(double value) => Math.Abs(value) < 1e-12 ? "0" : value.ToString("0.####", CultureInfo.InvariantCulture);

    static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
