using NasActors.Cli.Commands;

namespace NasActors.Cli.Tests;

/// <summary>The console's line editing without a terminal: keys in, line and cursor out.</summary>
public sealed class LineEditorTests
{
    static ConsoleKeyInfo Key(ConsoleKey key, bool control = false) => new('\0', key, shift: false, alt: false, control);

    static ConsoleKeyInfo Char(char c) => new(c, ConsoleKey.NoName, shift: false, alt: false, control: false);

    static LineEditor.Outcome Type(LineEditor editor, string text)
    {
        var outcome = LineEditor.Outcome.Editing;
        foreach (var c in text) outcome = editor.Press(c == '\t' ? Key(ConsoleKey.Tab) : Char(c));
        return outcome;
    }

    static LineEditor Editor(IReadOnlyList<string>? history = null, string[]? ids = null) =>
        new(history ?? [], (before, word) => ConsoleCommand.Completions(before, word, ids ?? []));

    [Fact]
    public void Typing_and_cursor_keys_should_edit_at_the_cursor()
    {
        var editor = Editor();
        Type(editor, "stats");
        editor.Press(Key(ConsoleKey.LeftArrow));
        Type(editor, "u");
        Assert.Equal(("status", 5), (editor.Text, editor.Cursor));
        editor.Press(Key(ConsoleKey.Home));
        editor.Press(Key(ConsoleKey.Delete));
        editor.Press(Key(ConsoleKey.End));
        editor.Press(Key(ConsoleKey.Backspace));
        Assert.Equal(("tatu", 4), (editor.Text, editor.Cursor));
        editor.Press(Key(ConsoleKey.U, control: true));
        Assert.Equal("", editor.Text);
        Assert.Equal(LineEditor.Outcome.EndOfInput, editor.Press(Key(ConsoleKey.D, control: true)));
        Assert.Equal(LineEditor.Outcome.Done, editor.Press(Key(ConsoleKey.Enter)));
    }

    [Fact]
    public void Up_and_down_should_walk_the_history_and_come_back_to_the_line_being_typed()
    {
        var editor = Editor(history: ["list", "top abc 5"]);
        Type(editor, "no");
        editor.Press(Key(ConsoleKey.UpArrow));
        Assert.Equal("top abc 5", editor.Text);
        editor.Press(Key(ConsoleKey.UpArrow));
        editor.Press(Key(ConsoleKey.UpArrow));  // past the oldest: stays
        Assert.Equal(("list", 4), (editor.Text, editor.Cursor));
        editor.Press(Key(ConsoleKey.DownArrow));
        editor.Press(Key(ConsoleKey.DownArrow));
        Assert.Equal("no", editor.Text);
    }

    [Fact]
    public void Tab_should_complete_commands_and_search_ids_and_offer_the_choices_when_several_fit()
    {
        var editor = Editor(ids: ["demo-20261130-1", "demo-20261130-2", "other-1"]);
        Type(editor, "wa\t");
        Assert.Equal("watch ", editor.Text);
        Type(editor, "d\t");
        Assert.Equal("watch demo-20261130-", editor.Text);
        Assert.Empty(editor.Offered);
        Type(editor, "\t");  // nothing more in common: the choices are shown
        Assert.Equal(["demo-20261130-1", "demo-20261130-2"], editor.Offered);
        Type(editor, "2\t");
        Assert.Equal("watch demo-20261130-2 ", editor.Text);

        var start = Editor();
        Type(start, "st\t");
        Assert.Equal("st", start.Text);  // start, status, stop: no common letters beyond "st"
        Assert.Equal(["start", "status", "stop"], start.Offered);
        Type(start, "ar\t");
        Assert.Equal("start ", start.Text);
    }
}
