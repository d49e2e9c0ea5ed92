using System.Text;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Fuzzing;

/// <summary>The malformed specs found by hand and by fuzzing, each refused with a <see cref="NasException"/> that names
/// the setting and what it must be: what the CLI prints as one line before exiting with code 2.</summary>
public sealed class SearchSpecRefusalTests
{
    const string Minimal = """
        search {
          name = tiny
          data { dataset = fashion-mnist, image-size = 8, evaluation-images = 100 }
          supernet { channels = 2, cells = 1 }
          training { steps = 10, checkpoint-every = 5 }
          strategies {
            a { sampler = uniform, seed = 1 }
            b { sampler = uniform, seed = 2 }
          }
          evolution { population = 2, sample-size = 1, budget = 3 }
        }
        """;

    static NasException Refused(string text) => Assert.Throws<NasException>(() => SearchSpec.Parse(text, "bad.conf"));

    [Theory]
    // A list or a value where a block belongs: once a NullReferenceException (strategies), or silently left out.
    [InlineData("strategies {\n    a { sampler = uniform, seed = 1 }\n    b { sampler = uniform, seed = 2 }\n  }", "strategies = [ nosuch ]",
                "search.strategies = [ ... ] is invalid: expected a block of strategies")]
    [InlineData("supernet { channels = 2, cells = 1 }", "supernet = 5", "search.supernet = 5 is invalid: expected a block supernet { ... }")]
    [InlineData("data { dataset = fashion-mnist, image-size = 8, evaluation-images = 100 }", "data = [ 1, 2 ]", "search.data = [ ... ] is invalid: expected a block")]
    [InlineData("evolution { population = 2, sample-size = 1, budget = 3 }", "evolution = \"fast\"", "search.evolution = fast is invalid: expected a block")]
    [InlineData("a { sampler = uniform, seed = 1 }", "a = uniform", "search.strategies.a = uniform is invalid: expected a block a { ... }")]
    [InlineData("a { sampler = uniform, seed = 1 }", "a = [ uniform ]", "search.strategies.a = [ ... ] is invalid: expected a block")]
    // A block or a list where a value belongs.
    [InlineData("cells = 1", "cells { n = 1 }", "search.supernet.cells = { ... } is invalid: expected a plain value")]
    [InlineData("steps = 10", "steps = [ 10 ]", "search.training.steps = [ ... ] is invalid: expected a plain value")]
    [InlineData("name = tiny", "name { x = 1 }", "search.name = { ... } is invalid: expected a plain value")]
    [InlineData("sampler = uniform, seed = 1", "sampler = [ uniform ], seed = 1", "search.strategies.a.sampler = [ ... ] is invalid: expected a plain value")]
    [InlineData("sampler = uniform, seed = 1", "sampler = uniform, seed { n = 1 }", "search.strategies.a.seed = { ... } is invalid: expected a plain value")]
    [InlineData("sampler = uniform, seed = 2", "sampler = uniform, seed = 2, deiso = [ on ]", "search.strategies.b.deiso = [ ... ] is invalid: expected a plain value")]
    // Shapes and sizes that can never run.
    [InlineData("image-size = 8", "image-size = 100000", "search.data.image-size = 100000 is invalid: expected 4 to 123")]
    [InlineData("image-size = 8", "image-size = 3", "search.data.image-size = 3 is invalid: expected at least 4")]
    [InlineData("evaluation-images = 100", "evaluation-images = 100, validation-size = 60000",
                "search.data.validation-size = 60000 is invalid: expected 1 to 59872: fashion-mnist has 60,000 training images")]
    [InlineData("dataset = fashion-mnist, image-size = 8", "dataset = cifar10, image-size = 100", "search.data.image-size = 100 is invalid: expected 4 to 77")]
    [InlineData("channels = 2", "channels = 100000", "search.supernet.channels = 100000 is invalid: expected 1 to 1024")]
    [InlineData("steps = 10", "steps = 10, batch-size = 100000", "search.training.batch-size = 100000 is invalid: expected 1 to 4096")]
    [InlineData("channels = 2, cells = 1", "channels = 1024, cells = 64", "search.training.batch-size = 128 is invalid: expected a smaller batch, network or image")]
    [InlineData("sampler = uniform, seed = 2", "estimator = naswot, channels = 1024, cells = 64, batch-size = 4096",
                "search.strategies.b.batch-size = 4096 is invalid: expected a smaller batch, network or image: one training step of estimator b's children")]
    [InlineData("sampler = uniform, seed = 2", "sampler = fewshot-lid, seed = 2, lid-k = 128",
                "search.strategies.b.lid-k = 128 is invalid: expected fewer neighbours than training.batch-size (128) images")]
    // Names that become directories.
    [InlineData("name = tiny", "name = \"../../etc\"", "search.name = ../../etc is invalid")]
    [InlineData("name = tiny", "name = \"\"", "search.name =  is invalid")]
    [InlineData("a { sampler = uniform, seed = 1 }", "\"../a\" { sampler = uniform, seed = 1 }", "search.strategies.../a = { ... } is invalid: expected an id")]
    // Substitutions: Akka recursed until the stack overflowed on a cycle or an unresolved optional one, ending the process.
    [InlineData("name = tiny", "name = ${search.name}", "search.name uses the substitution ${search.name}")]
    [InlineData("name = tiny", "name = ${?NOSUCH}", "search.name uses a substitution ${...}")]
    [InlineData("steps = 10", "steps = ${search.training.checkpoint-every}", "search.training.steps uses the substitution ${search.training.checkpoint-every}")]
    public void A_malformed_spec_should_be_refused_naming_the_setting_and_what_it_must_be(string find, string replace, string message)
    {
        Assert.Contains(find, Minimal);
        var error = Refused(Minimal.Replace(find, replace));
        Assert.Contains("bad.conf: ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_should_be_refused_before_anything_recurses_through_it()
    {
        // 5,000 levels overflow the 1.5 MiB stack of an ordinary thread in Akka's parser, blocks and dotted keys alike,
        // which ends the process.
        var braces = Minimal.Replace("name = tiny", "deep " + string.Concat(Enumerable.Repeat("{ a ", 5_000)) + "= 1 " + new string('}', 5_000));
        Assert.Contains("nests blocks and lists deeper than 32 levels", Refused(braces).Message);
        var dotted = Minimal.Replace("name = tiny", "deep" + string.Concat(Enumerable.Repeat(".a", 10_000)) + " = 1");
        Assert.Contains("nests blocks and lists deeper than 32 levels", Refused(dotted).Message);
    }

    [Fact]
    public void Text_beyond_the_limit_should_be_refused_unread()
    {
        var error = Refused(Minimal + "\n#" + new string('x', SearchSpec.MaxTextLength));
        Assert.Contains("at most 64 KiB", error.Message);
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_should_be_refused_naming_where_and_a_byte_order_mark_read_as_text()
    {
        byte[] text = Encoding.UTF8.GetBytes(Minimal);
        var error = Assert.Throws<NasException>(() => SearchSpec.ParseUtf8([.. text[..20], 0xFF, .. text[20..]], "bad.conf"));
        Assert.Contains("bad.conf: not UTF-8 text (byte 20", error.Message);
        Assert.Equal("tiny", SearchSpec.ParseUtf8([0xEF, 0xBB, 0xBF, .. text], "bom.conf").Name);
    }

    [Fact]
    public void A_parser_error_should_be_one_line_with_the_line_it_is_on()
    {
        var error = Refused(Minimal.Replace("budget = 3 }", "budget = 3 } , = ,"));
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("bad.conf", error.Message);
        Assert.Contains("malformed HOCON", error.Message);
    }

    [Fact]
    public void HOCON_null_should_read_as_left_out()
    {
        var spec = SearchSpec.Parse(Minimal.Replace("channels = 2", "channels = null").Replace("evolution {", "faults = null\n  evolution {"), "null.conf");
        Assert.Equal(8, spec.Supernet.Channels);
    }

    [Fact]
    public void A_spec_file_that_cannot_be_read_should_be_refused_naming_it()
    {
        var directory = Directory.CreateTempSubdirectory("nasactors-spec-").FullName;
        try
        {
            var error = Assert.Throws<NasException>(() => SearchSpec.Load(directory));
            Assert.Contains(directory, error.Message);
            var path = Path.Combine(directory, "latin1.conf");
            File.WriteAllBytes(path, Encoding.Latin1.GetBytes(Minimal.Replace("name = tiny", "name = café")));
            Assert.Contains($"{path}: not UTF-8 text", Assert.Throws<NasException>(() => SearchSpec.Load(path)).Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
