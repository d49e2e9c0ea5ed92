namespace NasActors.Search.Spaces;

/// <summary>A child model of a search space: one option index per decision. A value: equal choices are equal
/// architectures, and its text is the space's notation.</summary>
public sealed class Architecture : IEquatable<Architecture>
{
    readonly byte[] _choices;

    public Architecture(IChoiceSpace space, IReadOnlyList<int> choices)
    {
        ArgumentNullException.ThrowIfNull(space);
        var decisions = space.Decisions;
        if (choices.Count != decisions.Count)
            throw new ArgumentException($"{space.Name} has {decisions.Count} decisions, got {choices.Count} choices", nameof(choices));
        _choices = new byte[choices.Count];
        for (var i = 0; i < choices.Count; i++)
        {
            if ((uint)choices[i] >= (uint)decisions[i].OptionCount)
                throw new ArgumentOutOfRangeException(nameof(choices), $"choice {choices[i]} for decision {decisions[i].Name} is out of range");
            _choices[i] = (byte)choices[i];
        }
        Space = space;
    }

    public IChoiceSpace Space { get; }

    public int DecisionCount => _choices.Length;

    /// <summary>The option index chosen for decision <paramref name="decision"/>.</summary>
    public int this[int decision] => _choices[decision];

    public IReadOnlyList<int> Choices => Array.ConvertAll(_choices, c => (int)c);

    /// <summary>The option name chosen for decision <paramref name="decision"/>.</summary>
    public string OptionAt(int decision) => Space.Decisions[decision].Options[_choices[decision]];

    /// <summary>Mixed-radix index in [0, Size): the first decision varies slowest.</summary>
    public long Index
    {
        get
        {
            long index = 0;
            for (var i = 0; i < _choices.Length; i++) index = index * Space.Decisions[i].OptionCount + _choices[i];
            return index;
        }
    }

    public static Architecture FromIndex(IChoiceSpace space, long index)
    {
        if (index < 0 || index >= space.Size)
            throw new NasException($"architecture index {index} is outside {space.Name}'s range 0..{space.Size - 1}");
        var choices = new int[space.Decisions.Count];
        for (var i = choices.Length - 1; i >= 0; i--)
        {
            var options = space.Decisions[i].OptionCount;
            choices[i] = (int)(index % options);
            index /= options;
        }
        return new Architecture(space, choices);
    }

    /// <summary>The same architecture with one decision changed.</summary>
    public Architecture With(int decision, int option)
    {
        var choices = Choices.ToArray();
        choices[decision] = option;
        return new Architecture(Space, choices);
    }

    /// <summary>Number of decisions in which two architectures of one space differ.</summary>
    public int DistanceTo(Architecture other)
    {
        if (other.DecisionCount != DecisionCount) throw new ArgumentException("architectures of different spaces", nameof(other));
        var distance = 0;
        for (var i = 0; i < _choices.Length; i++) if (_choices[i] != other._choices[i]) distance++;
        return distance;
    }

    /// <summary>All architectures exactly one decision away.</summary>
    public IEnumerable<Architecture> Neighbours()
    {
        for (var d = 0; d < _choices.Length; d++)
            for (var o = 0; o < Space.Decisions[d].OptionCount; o++)
                if (o != _choices[d]) yield return With(d, o);
    }

    public bool Equals(Architecture? other) =>
        other is not null && other.Space.Name == Space.Name && other._choices.AsSpan().SequenceEqual(_choices);

    public override bool Equals(object? obj) => Equals(obj as Architecture);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Space.Name);
        hash.AddBytes(_choices);
        return hash.ToHashCode();
    }

    public override string ToString() => Space.Format(this);
}
