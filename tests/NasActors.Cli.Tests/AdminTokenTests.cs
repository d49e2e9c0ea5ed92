using NasActors.Cli.Commands;

namespace NasActors.Cli.Tests;

/// <summary>The admin token a coordinator makes when none is configured: in the state folder, owner-only from the start.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AdminTokenTests : IDisposable
{
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    string State => _temp.File("state");

    string TokenFile => Path.Combine(State, AdminToken.FileName);

    static string MakeToken(string state)
    {
        Assert.True(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(AdminToken.Variable)), $"${AdminToken.Variable} is set: unset it to run this test");
        return AdminToken.ForNode(flag: null, configFile: null, state);
    }

    [Fact]
    public void A_coordinator_without_a_configured_token_should_write_one_that_only_its_owner_can_read()
    {
        var token = MakeToken(State);

        Assert.Matches("^[0-9a-f]{32}$", token);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(TokenFile));
        Assert.Equal(token + "\n", File.ReadAllText(TokenFile));
        Assert.Equal((byte)token[0], File.ReadAllBytes(TokenFile)[0]);  // no byte-order mark before it
        Assert.Equal(token, MakeToken(State));                          // the next start keeps it
        Assert.Equal(token, AdminToken.ForClient(token));
    }

    [Fact]
    public void A_blank_token_file_left_behind_should_be_replaced_by_an_owner_only_one()
    {
        Directory.CreateDirectory(State);
        File.WriteAllText(TokenFile, "\n");
        File.SetUnixFileMode(TokenFile, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var token = MakeToken(State);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(TokenFile));
        Assert.Equal(token, File.ReadAllText(TokenFile).Trim());
    }
}
