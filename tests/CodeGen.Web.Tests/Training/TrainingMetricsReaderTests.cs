using CodeGen.Web.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace CodeGen.Web.Tests.Training;

public sealed class TrainingMetricsReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData("""{"step":3,"loss":2.5,"lr":1E-05,"tokens_per_s":12.5,"tokens":300,"elapsed_s":1.5,"val_loss":2.75}""", true)]
    [InlineData("""{"step":3,"loss":2.5,"lr":1E-05,"tokens_per_s":12.5,"tokens":300}""", false)]
    [InlineData("""{"step":3,"loss":"2.5","lr":1E-05,"tokens_per_s":12.5,"tokens":300,"elapsed_s":1.5}""", false)]
    [InlineData("""{"step":3,"loss":2.5,"lr":1E""", false)]
    [InlineData("[1,2]", false)]
    public void TryParse_Line_AcceptsOnlyWholeRecords(string line, bool valid)
    {
        bool parsed = TrainingMetricsReader.TryParse(line, out MetricsPoint? point);

        Assert.Equal(valid, parsed);
        if (valid)
        {
            Assert.Equal(new MetricsPoint(3, 2.5, 1E-05, 12.5, 300, 1.5, 2.75), point);
        }
    }

    [Fact]
    public void Read_DirectoryWithOwnFileAndSubfolders_FindsEachRunInOrder()
    {
        string root = Path.Combine(_directory.Path, "runs");
        Directory.CreateDirectory(Path.Combine(root, "b"));
        Directory.CreateDirectory(Path.Combine(root, "a"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        const string Line = """{"step":1,"loss":1,"lr":1,"tokens_per_s":1,"tokens":1,"elapsed_s":1}""";
        File.WriteAllText(Path.Combine(root, "metrics.jsonl"), Line + "\n");
        File.WriteAllText(Path.Combine(root, "b", "metrics.jsonl"), Line + "\n\nnot json\n");
        File.WriteAllText(Path.Combine(root, "a", "metrics.jsonl"), "");

        TrainingRead read = new TrainingMetricsReader(root, NullLogger<TrainingMetricsReader>.Instance).Read();

        Assert.Equal(TrainingStatus.Ready, read.Status);
        Assert.Equal([("runs", 1, 0), ("a", 0, 0), ("b", 1, 1)], read.Runs.Select(r => (r.Name, r.Points.Count, r.SkippedLines)).ToArray());
    }

    public void Dispose() => _directory.Dispose();
}
