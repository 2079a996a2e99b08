using CodeGen.Model.Tokenization;
using CodeGen.TestUtils;
using CodeGen.Training.Lora;
using CodeGen.Training.Tests.Data;

namespace CodeGen.Training.Tests.Lora;

public sealed class LoraDataTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-lora-data-").FullName;
    private readonly BpeTokenizer _tokenizer = BpeTokenizer.Load(Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private LoraOptions Options(string data) => new() { Base = Fixtures.SmallTokenizer, Data = data, Output = _root, SeqLen = 32, ValidationFraction = 0.25 };

    [Fact]
    public void Load_Jsonl_TargetsAreTheCompletionTokensAndEndOfText()
    {
        string path = Path.Combine(_root, "pairs.jsonl");
        File.WriteAllText(path, """{"prompt": "def add(a, b):\n", "completion": "    return a + b\n"}""" + "\n\n");
        LoraData data = LoraData.Load(Options(path) with { ValidationFraction = 0 }, _tokenizer);

        LoraExample example = Assert.Single(data.Train);
        int[] prompt = [.. _tokenizer.Encode("def add(a, b):\n", parseSpecialTokens: false)];
        int[] completion = [.. _tokenizer.Encode("    return a + b\n", parseSpecialTokens: false), _tokenizer.EndOfTextId!.Value];
        Assert.Equal([.. prompt, .. completion], example.Ids);
        Assert.Equal(prompt.Length, example.FirstTarget);
        Assert.Equal(completion.Length, example.Targets);
    }

    [Fact]
    public void Load_JsonlLongerThanTheSequence_KeepsTheCompletionAndTheEndOfThePrompt()
    {
        string path = Path.Combine(_root, "long.jsonl");
        string prompt = string.Concat(Enumerable.Range(0, 60).Select(i => $"x{i} = {i}\n"));
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(new { prompt, completion = "return x\n" }) + "\n");
        LoraExample example = Assert.Single(LoraData.Load(Options(path) with { ValidationFraction = 0 }, _tokenizer).Train);
        int[] completion = [.. _tokenizer.Encode("return x\n", parseSpecialTokens: false), _tokenizer.EndOfTextId!.Value];
        Assert.Equal(33, example.Ids.Length);
        Assert.Equal(completion, example.Ids[example.FirstTarget..]);
        Assert.Equal(_tokenizer.Encode(prompt, parseSpecialTokens: false).TakeLast(33 - completion.Length), example.Ids[..example.FirstTarget]);
    }

    [Theory]
    [InlineData("{\"prompt\": \"a\"}", "bad.jsonl:2: \"completion\" must be a string")]
    [InlineData("{\"prompt\": 3, \"completion\": \"b\"}", "bad.jsonl:2: \"prompt\" must be a string")]
    [InlineData("[1, 2]", "bad.jsonl:2: expected an object")]
    [InlineData("{\"prompt\": ", "bad.jsonl:2: not valid JSON")]
    public void Load_MalformedJsonlLine_NamesFileAndLine(string line, string expected)
    {
        string path = Path.Combine(_root, "bad.jsonl");
        File.WriteAllLines(path, ["""{"prompt": "a", "completion": "b"}""", line]);
        var error = Assert.Throws<InvalidDataException>(() => LoraData.Load(Options(path), _tokenizer));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Load_NeitherDirectoryNorJsonl_RefusedNamingThePath()
    {
        string path = Path.Combine(_root, "notes.txt");
        File.WriteAllText(path, "x");
        Assert.Equal($"--data {path}: expected a directory (a code repository) or a .jsonl file of prompt/completion pairs",
            Assert.Throws<ArgumentException>(() => LoraData.Load(Options(path), _tokenizer)).Message);
        Assert.Equal($"--data {path}.missing: no such file or directory", Assert.Throws<ArgumentException>(() => LoraData.Load(Options(path + ".missing"), _tokenizer)).Message);
    }

    [Fact]
    public void Load_Repository_HeldOutFilesChosenByPathHashAndPackedWithoutFim()
    {
        string repo = Path.Combine(_root, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "src"));
        for (int i = 0; i < 8; i++) File.WriteAllText(Path.Combine(repo, "src", $"f{i}.py"), SampleCode.Generate(100 + i));
        LoraOptions options = Options(repo) with { FimRate = 1.0 };
        LoraData data = LoraData.Load(options, _tokenizer);

        var held = LoraData.HeldOut([.. Enumerable.Range(0, 8).Select(i => $"src/f{i}.py")], 0.25);
        Assert.Equal(2, held.Count);
        Assert.Equal(held, LoraData.HeldOut([.. Enumerable.Range(0, 8).Select(i => $"src/f{i}.py")], 0.25)); // deterministic
        // The held-out side is the two files as written, each followed by <|endoftext|>, packed in 33-id sequences sharing one id.
        int eot = _tokenizer.EndOfTextId!.Value;
        List<int> stream = [.. held.Order().SelectMany(i => _tokenizer.Encode(SampleCode.Generate(100 + i), parseSpecialTokens: false).Append(eot))];
        Assert.Equal(stream, data.Validation.SelectMany((e, i) => i == 0 ? e.Ids : e.Ids[1..]));
        Assert.All(data.Validation, e => Assert.Equal(1, e.FirstTarget));
        Assert.All(data.Train.SkipLast(1), e => Assert.Equal(33, e.Ids.Length));
        // Every training file went through FIM (rate 1): the FIM prefix marker appears once per file.
        Assert.Equal(6, data.Train.SelectMany((e, i) => i == 0 ? e.Ids : e.Ids[1..]).Count(id => id == _tokenizer.FimPrefixId));
        Assert.Contains("8 files after the corpus filters (6 train, 2 held out)", data.Description);
        Assert.Equal(data.Sha256, LoraData.Load(options, _tokenizer).Sha256);
    }
}
