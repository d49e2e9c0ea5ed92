using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

/// <summary>Every command README.md shows, in a fenced block or a code span, is one the CLI takes: the command exists,
/// each option is one of its own and each value fits (a command named in prose without options only has to exist), and
/// <c>--help</c> on it exits 0; the commands that need no data run. So the README cannot drift from the CLI.</summary>
public sealed class ReadmeCommandTests
{
    /// <summary>Commands cheap enough to run for real here: they read no data set and train nothing.</summary>
    static readonly string[] RunForReal = ["space"];

    public static TheoryData<string> Commands() => new(ReadmeCommands.Extract(File.ReadAllText(ReadmeCommands.Readme)));

    [Fact]
    public void The_README_should_show_its_two_commands_and_CI_should_run_its_test_command()
    {
        var commands = ReadmeCommands.Extract(File.ReadAllText(ReadmeCommands.Readme));
        Assert.Contains("./nas test", commands);
        Assert.Contains("./nas demo", commands);
        Assert.Contains(commands, c => c.StartsWith("./nas search ", StringComparison.Ordinal));
        // `./nas test` is the launch script's own (it runs .ci/test.sh), and it is what CI runs.
        Assert.Matches(@"(?m)^\s*test\)", File.ReadAllText(ReadmeCommands.RepositoryFile("nas")));
        Assert.Matches(@"(?m)^exec \./nas test\s*$", File.ReadAllText(ReadmeCommands.RepositoryFile(".ci/run")));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_command_of_the_README_should_parse_and_show_its_help(string line)
    {
        var arguments = ReadmeCommands.Arguments(line);
        if (arguments is ["test"]) return;  // the launch script's, checked above
        if (arguments.Length == 0)
        {
            Assert.Equal(0, Program.Main(["--help"]));  // the launcher itself, named in prose
            return;
        }

        var parsed = Program.CreateRoot().Parse(arguments);
        // A command named in prose without options (`./nas rankbench prints ...`) only has to exist.
        var mention = !arguments.Any(a => a.StartsWith('-'));
        var errors = parsed.Errors.Select(e => e.Message).Where(m => !(mention && Regex.IsMatch(m, "^Option '[^']+' is required\\.$"))).ToArray();
        Assert.True(errors.Length == 0, $"{line}\n  " + string.Join("\n  ", errors));
        if (!arguments.Contains("--help"))
            Assert.True(parsed.CommandResult.Command.Action is not null, $"{line}: '{parsed.CommandResult.Command.Name}' is a group of commands, not one");

        Assert.Equal(0, Program.Main([.. arguments, "--help"]));
        if (RunForReal.Contains(arguments[0]) && !arguments.Contains("--help"))
            Assert.Equal(0, Program.Main(arguments));
    }
}

/// <summary>The <c>./nas</c> command lines of a Markdown text, and their arguments as a POSIX shell splits them.</summary>
public static class ReadmeCommands
{
    public static string Readme => RepositoryFile("README.md");

    /// <summary>Each <c>./nas</c> line of a fenced block (continuation lines joined, a trailing <c># comment</c> and leading
    /// <c>NAME=VALUE</c> assignments dropped) and each code span that starts with <c>./nas</c>, in order, once each.</summary>
    public static IReadOnlyList<string> Extract(string markdown)
    {
        var commands = new List<string>();
        var fenced = false;
        var pending = "";
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                pending = "";
                continue;
            }
            if (fenced)
            {
                var text = pending + line.Trim();
                if (text.EndsWith('\\'))
                {
                    pending = text[..^1] + " ";
                    continue;
                }
                pending = "";
                if (Command(WithoutComment(text)) is { } command) commands.Add(command);
            }
            else
            {
                foreach (Match span in Regex.Matches(line, "`([^`]+)`"))
                    if (Command(span.Groups[1].Value) is { } command) commands.Add(command);
            }
        }
        return commands.Distinct().ToArray();
    }

    /// <summary>The words after <c>./nas</c>, quotes removed as the shell removes them.</summary>
    public static string[] Arguments(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (c is '\'' or '"')
            {
                var end = command.IndexOf(c, i + 1);
                Assert.True(end > i, $"unbalanced quote in: {command}");
                word.Append(command, i + 1, end - i - 1);
                i = end;
            }
            else word.Append(c);
        }
        if (inWord) words.Add(word.ToString());
        Assert.Equal("./nas", words[0]);
        return words.Skip(1).ToArray();
    }

    /// <summary>A line that runs <c>./nas</c> (after any <c>NAME=VALUE</c> environment assignments), from <c>./nas</c> on.</summary>
    static string? Command(string text)
    {
        var match = Regex.Match(text.Trim(), @"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(\./nas(?:\s.*)?)$");
        return match.Success ? Regex.Replace(match.Groups[1].Value.Trim(), @"\s+", " ") : null;
    }

    /// <summary>The line without a <c># comment</c> that stands outside quotes.</summary>
    static string WithoutComment(string text)
    {
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null) { if (c == quote) quote = null; }
            else if (c is '\'' or '"') quote = c;
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(text[i - 1]))) return text[..i];
        }
        return text;
    }

    public static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "NasActors.sln"))) return Path.Combine(directory.FullName, relative);
        throw new InvalidOperationException($"no NasActors.sln above {AppContext.BaseDirectory}");
    }
}
