using NasActors.Actors.Runs;

namespace NasActors.Actors.Evaluation;

/// <summary>Specs parsed once per text: a run sends the same spec text with every evaluation request.</summary>
internal sealed class SpecCache
{
    const int Capacity = 16;
    readonly Dictionary<string, SearchSpec> _specs = new(StringComparer.Ordinal);

    /// <summary>The parsed spec; a <see cref="NasException"/> when the text is not a valid spec.</summary>
    public SearchSpec Get(string text, string searchId)
    {
        if (_specs.TryGetValue(text, out var spec)) return spec;
        spec = SearchSpec.Parse(text, $"spec of {searchId}");
        if (_specs.Count >= Capacity) _specs.Clear();  // a process serves few runs at a time: no need for LRU order
        return _specs[text] = spec;
    }
}
