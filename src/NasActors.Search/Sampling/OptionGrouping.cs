namespace NasActors.Search.Sampling;

/// <summary>GM-NAS's partition of a decision's options into sub-supernets: the balanced grouping (sizes differ by at
/// most one, so no sub-supernet is left with a sliver of the space) whose options are most alike, i.e. with the least
/// total gradient distance between options of the same group. Exhaustive: a decision has a handful of options.</summary>
public static class OptionGrouping
{
    /// <summary>Each option's group, numbered in order of each group's first option (so one group per option is the
    /// identity). <paramref name="distance"/> is symmetric; ties go to the grouping enumerated first.</summary>
    public static int[] LeastWithinGroupDistance(double[,] distance, int groups)
    {
        var options = distance.GetLength(0);
        if (distance.GetLength(1) != options) throw new ArgumentException($"the distances must be square, got {options}x{distance.GetLength(1)}", nameof(distance));
        if (groups < 1 || groups > options) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"expected 1 to {options} groups");
        foreach (var d in distance)
            if (!double.IsFinite(d) || d < 0) throw new ArgumentException($"a distance of {d} between options: distances must be finite and not negative", nameof(distance));
        var smallest = options / groups;
        var larger = options % groups;  // groups of smallest + 1
        var best = (Cost: double.PositiveInfinity, GroupOf: (int[]?)null);
        var groupOf = new int[options];
        var sizes = new int[groups];

        // Options in order: each joins an open group or, while groups are left, opens the next one. Opening in order
        // of first option makes each grouping appear once.
        void Assign(int option, int opened, double cost)
        {
            if (cost >= best.Cost) return;
            if (option == options)
            {
                if (opened == groups && sizes.Count(s => s == smallest + 1) == larger) best = (cost, (int[])groupOf.Clone());
                return;
            }
            for (var g = 0; g <= Math.Min(opened, groups - 1); g++)
            {
                if (sizes[g] == (larger > 0 ? smallest + 1 : smallest)) continue;
                var added = 0.0;
                for (var other = 0; other < option; other++)
                    if (groupOf[other] == g) added += distance[option, other];
                groupOf[option] = g;
                sizes[g]++;
                Assign(option + 1, Math.Max(opened, g + 1), cost + added);
                sizes[g]--;
            }
        }

        Assign(0, 0, 0);
        return best.GroupOf ?? throw new InvalidOperationException("no balanced grouping exists");  // unreachable for 1 <= groups <= options
    }
}
