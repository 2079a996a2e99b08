using System.IO.Compression;
using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class DecontaminatorTests : IDisposable
{
    // 16 word tokens; the documents below copy 13 or 12 of them in a row.
    private const string Solution = "def rolling_max(numbers): running_max = None; result = []; for n in numbers: if running_max is None: running_max = n";

    private readonly string _directory = Directory.CreateTempSubdirectory("decontaminator-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Match_DocumentWithThirteenGram_NamesBenchmark()
    {
        Decontaminator decontaminator = new(13);
        decontaminator.Add("fake.jsonl", [Solution]);

        // "running_max = None ... running_max = n": tokens 3..15 of Solution.
        Assert.Equal("fake.jsonl", decontaminator.Match("x = 1\nrunning_max = None\nresult = []\nfor n in numbers:\n    if running_max is None:\n        running_max = n\n"));
    }

    [Fact]
    public void Match_DocumentWithTwelveGram_IsNull()
    {
        Decontaminator decontaminator = new(13);
        decontaminator.Add("fake.jsonl", [Solution]);

        // "running_max = None ... running_max": tokens 3..14 of Solution.
        Assert.Null(decontaminator.Match("running_max = None\nresult = []\nfor n in numbers:\n    if running_max is None:\n        running_max\nother = 2\n"));
    }

    [Fact]
    public void Match_NumberRunShared_IsNull()
    {
        Decontaminator decontaminator = new(13);
        decontaminator.Add("fake.jsonl", ["assert f([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) == 91"]);

        Assert.Null(decontaminator.Match("table = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]"));
    }

    [Fact]
    public void Read_JsonlGzAndJsonArray_ExtractsNamedStringFields()
    {
        string jsonl = Path.Combine(_directory, "bench.jsonl.gz");
        using (GZipStream gzip = new(File.Create(jsonl), CompressionLevel.Fastest))
        using (StreamWriter writer = new(gzip))
        {
            writer.Write("{\"task_id\": \"T/0\", \"prompt\": \"def f():\", \"canonical_solution\": \"    return 1\", \"test\": \"assert f() == 1\", \"inputs\": [NaN, -Infinity]}\n");
        }

        string json = Path.Combine(_directory, "bench.json");
        File.WriteAllText(json, "[{\"name\": \"x\", \"prompt\": \"class P {\", \"tests\": \"}\", \"test_list\": [\"a\", \"b\"], \"stop\": [\"c\"]}]");

        Assert.Equal(["def f():\n    return 1\nassert f() == 1"], BenchmarkProblems.Read(jsonl));
        Assert.Equal(["class P {\n}\na\nb"], BenchmarkProblems.Read(json));
    }

    [Fact]
    public void Read_NotJson_ThrowsNamingFile()
    {
        string path = Path.Combine(_directory, "broken.jsonl");
        File.WriteAllText(path, "{not json\n");

        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => BenchmarkProblems.Read(path));

        Assert.StartsWith($"{path}: not valid JSON", exception.Message, StringComparison.Ordinal);
    }
}
