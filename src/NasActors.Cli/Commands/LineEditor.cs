using System.Text;

namespace NasActors.Cli.Commands;

/// <summary>The console's line editing on a terminal: cursor keys, Up/Down through the session's history, Tab to
/// complete a word. .NET's Console.ReadLine on Linux has none of it, and no line-editing package is served here.
/// The editing is pure (<see cref="Press"/>), so it is tested without a terminal.</summary>
internal sealed class LineEditor(IReadOnlyList<string> history, Func<string[], string, IEnumerable<string>> candidates)
{
    readonly StringBuilder _line = new();
    int _historyIndex = history.Count;
    string _draft = "";

    public string Text => _line.ToString();

    public int Cursor { get; private set; }

    /// <summary>Words offered by the last Tab that had more than one completion (shown under the line), else empty.</summary>
    public IReadOnlyList<string> Offered { get; private set; } = [];

    public enum Outcome { Editing, Done, EndOfInput }

    /// <summary>Applies one key to the line.</summary>
    public Outcome Press(ConsoleKeyInfo key)
    {
        Offered = [];
        var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        switch (key.Key)
        {
            case ConsoleKey.Enter:
                return Outcome.Done;
            case ConsoleKey.D when control:
                return _line.Length == 0 ? Outcome.EndOfInput : Outcome.Editing;
            case ConsoleKey.U when control:
                _line.Clear();
                Cursor = 0;
                break;
            case ConsoleKey.Backspace when Cursor > 0:
                _line.Remove(--Cursor, 1);
                break;
            case ConsoleKey.Delete when Cursor < _line.Length:
                _line.Remove(Cursor, 1);
                break;
            case ConsoleKey.LeftArrow when Cursor > 0:
                Cursor--;
                break;
            case ConsoleKey.RightArrow when Cursor < _line.Length:
                Cursor++;
                break;
            case ConsoleKey.Home or ConsoleKey.A when key.Key == ConsoleKey.Home || control:
                Cursor = 0;
                break;
            case ConsoleKey.End or ConsoleKey.E when key.Key == ConsoleKey.End || control:
                Cursor = _line.Length;
                break;
            case ConsoleKey.UpArrow when _historyIndex > 0:
                if (_historyIndex == history.Count) _draft = Text;
                Replace(history[--_historyIndex]);
                break;
            case ConsoleKey.DownArrow when _historyIndex < history.Count:
                _historyIndex++;
                Replace(_historyIndex == history.Count ? _draft : history[_historyIndex]);
                break;
            case ConsoleKey.Tab:
                Complete();
                break;
            default:
                if (!control && !char.IsControl(key.KeyChar)) _line.Insert(Cursor++, key.KeyChar);
                break;
        }
        return Outcome.Editing;
    }

    /// <summary>Completes the word before the cursor to the longest prefix its candidates share (candidates get the words
    /// before it and the word), adding a space when only one fits and it is not a folder; with several, offers them.</summary>
    void Complete()
    {
        var before = Text[..Cursor];
        var start = before.LastIndexOf(' ') + 1;
        var word = before[start..];
        var previous = before[..start].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var matches = candidates(previous, word).Where(c => c.StartsWith(word, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (matches.Length == 0) return;
        var common = matches.Aggregate((a, b) => a[..a.Zip(b).TakeWhile(pair => pair.Item1 == pair.Item2).Count()]);
        var insertion = common[word.Length..] + (matches.Length == 1 && !common.EndsWith('/') ? " " : "");
        _line.Insert(Cursor, insertion);
        Cursor += insertion.Length;
        if (matches.Length > 1 && insertion.Length == 0) Offered = matches;
    }

    void Replace(string text)
    {
        _line.Clear().Append(text);
        Cursor = _line.Length;
    }

    /// <summary>Reads one line from the terminal with <paramref name="prompt"/>; null at end of input (Ctrl+D).</summary>
    public static string? ReadLine(string prompt, IReadOnlyList<string> history, Func<string[], string, IEnumerable<string>> candidates)
    {
        var editor = new LineEditor(history, candidates);
        Console.Write(prompt);
        while (true)
        {
            var outcome = editor.Press(Console.ReadKey(intercept: true));
            if (outcome == Outcome.EndOfInput)
            {
                Console.WriteLine();
                return null;
            }
            if (editor.Offered.Count > 0) Console.Write("\n" + string.Join("  ", editor.Offered) + "\n");
            // Redraw: back to column 0, prompt and line, erase what is left of a longer line, cursor to its place.
            Console.Write($"\r{prompt}{editor.Text}\u001b[K\r\u001b[{prompt.Length + editor.Cursor}C");
            if (outcome == Outcome.Done)
            {
                Console.WriteLine();
                return editor.Text;
            }
        }
    }
}
