namespace NasActors.Actors.Runs;

/// <summary>Structural checks of HOCON text before Akka's parser sees it: that parser accepts much malformed text
/// silently (and loops forever on an unclosed list), so unbalanced braces, brackets and quotes are caught here,
/// with the line they are on.</summary>
public static class HoconSyntax
{
    /// <summary>Throws a <see cref="NasException"/> naming the line of the first structural error.</summary>
    public static void Check(string text, string source)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                    i = SkipToEndOfLine(text, i);
                    break;
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    i = SkipToEndOfLine(text, i);
                    break;
                case '"' when i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"':
                    var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (close < 0) throw Error(source, line, "a \"\"\" string is never closed");
                    line += text.AsSpan(i, close - i).Count('\n');
                    i = close + 2;
                    break;
                case '"':
                    i = SkipQuoted(text, i, source, line);
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) throw Error(source, line, $"'{c}' closes nothing");
                    var (bracket, openedOn) = open.Pop();
                    if (bracket != expected)
                        throw Error(source, line, $"'{c}' closes the '{bracket}' opened on line {openedOn}");
                    break;
            }
        }
        if (open.Count > 0)
        {
            var (bracket, openedOn) = open.Peek();
            throw Error(source, openedOn, $"'{bracket}' is never closed");
        }
    }

    static int SkipToEndOfLine(string text, int i)
    {
        var end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end - 1;
    }

    static int SkipQuoted(string text, int start, string source, int line)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
            else if (text[i] == '\n') break;
        }
        throw Error(source, line, "a quoted string is not closed on its line");
    }

    static NasException Error(string source, int line, string problem) =>
        new($"{source}:{line}: malformed HOCON: {problem}");
}
