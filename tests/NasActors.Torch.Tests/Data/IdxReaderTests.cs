using NasActors.Search;
using NasActors.Torch.Data;

namespace NasActors.Torch.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_should_return_the_dimensions_and_bytes_written(bool gzip)
    {
        var path = directory.File(gzip ? "images.gz" : "images");
        var data = DataTestFiles.Images(3, 4, 5);
        DataTestFiles.WriteIdx(path, [3, 4, 5], data, gzip);

        var array = IdxReader.Read(path);

        Assert.Equal([3, 4, 5], array.Dimensions);
        Assert.Equal(data, array.Data);
        Assert.Equal(60, array.ElementCount);
    }

    [Fact]
    public void Read_should_detect_gzip_by_content_not_by_name()
    {
        var path = directory.File("labels-without-suffix");
        DataTestFiles.WriteIdx(path, [4], [1, 2, 3, 4], gzip: true);

        Assert.Equal([1, 2, 3, 4], IdxReader.Read(path).Data);
    }

    [Fact]
    public void Read_should_reject_a_bad_magic_number_naming_the_file()
    {
        var path = directory.File("not-idx");
        DataTestFiles.WriteBytes(path, [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7], gzip: false);

        var error = Assert.Throws<NasException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("magic number", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_should_reject_a_truncated_file(bool gzip)
    {
        var path = directory.File("truncated");
        DataTestFiles.WriteBytes(path, [0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0, 0, 4, 1, 2, 3, 4, 5], gzip);

        var error = Assert.Throws<NasException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_should_reject_a_file_that_ends_inside_its_header()
    {
        var path = directory.File("short-header");
        DataTestFiles.WriteBytes(path, [0, 0, 0x08, 3, 0, 0], gzip: false);

        Assert.Contains("truncated", Assert.Throws<NasException>(() => IdxReader.Read(path)).Message);
    }

    [Fact]
    public void Read_should_name_an_unsupported_element_type()
    {
        var path = directory.File("floats");
        DataTestFiles.WriteBytes(path, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], gzip: false);

        var error = Assert.Throws<NasException>(() => IdxReader.Read(path));

        Assert.Contains("float", error.Message);
        Assert.Contains("0x0D", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Read_should_reject_data_beyond_what_the_header_declares()
    {
        var path = directory.File("too-long");
        DataTestFiles.WriteBytes(path, [0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3], gzip: false);

        Assert.Contains(path, Assert.Throws<NasException>(() => IdxReader.Read(path)).Message);
    }

    [Fact]
    public void Read_should_reject_a_corrupt_gzip_stream()
    {
        var path = directory.File("corrupt.gz");
        DataTestFiles.WriteBytes(path, [0x1f, 0x8b, 0x08, 0, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0x13, 0x37], gzip: false);

        Assert.Contains(path, Assert.Throws<NasException>(() => IdxReader.Read(path)).Message);
    }

    [Fact]
    public void Read_should_name_a_missing_file()
    {
        var path = directory.File("absent");

        Assert.Contains(path, Assert.Throws<NasException>(() => IdxReader.Read(path)).Message);
    }
}
