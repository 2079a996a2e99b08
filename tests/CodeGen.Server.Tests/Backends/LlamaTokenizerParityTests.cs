using System.Text;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Backends;
using LLama.Native;

namespace CodeGen.Server.Tests.Backends;

/// <summary>Our tokenizer over an exported GGUF's vocabulary against llama.cpp's own tokenizer reading the same file.</summary>
public sealed class LlamaTokenizerParityTests(GgufTestModels models) : IClassFixture<GgufTestModels>
{
    public static TheoryData<string> EdgeCases =>
    [
        "",
        " ",
        "    \t\t  \n\n\n   \r\n  x  ",
        "public static int Add(int a, int b)\n{\n    return a + b;\n}\n",
        "def fib(n):\n\tif n < 2: return n\n\treturn fib(n-1)+fib(n-2)",
        "日本語のテキストと中文字符",
        "emoji 🎉🚀👩‍💻 and flags 🇩🇪",
        "<|endoftext|><|fim_prefix|>int x = <|fim_suffix|>;<|fim_middle|>",
        "they'll I'M it's WE'VE 12345 3.14159 0x1F",
        "naïve café — “quotes” …",
        "a\u00A0b\u2028c",
    ];

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void Encode_EdgeCase_SameIdsAsLlamaCpp(string text)
    {
        using LlamaBackend llama = Open(out BpeTokenizer ours);
        Assert.Equal(LlamaIds(llama, text), ours.Encode(text));
    }

    [Fact]
    public void Encode_RepositorySourceFiles_SameIdsAsLlamaCpp()
    {
        using LlamaBackend llama = Open(out BpeTokenizer ours);
        string root = RepositoryRoot();
        string[] files = [.. Directory.GetFiles(Path.Combine(root, "server"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "model"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(40)];
        Assert.Equal(40, files.Length);
        int tokens = 0;
        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            IReadOnlyList<int> expected = LlamaIds(llama, text);
            Assert.True(expected.SequenceEqual(ours.Encode(text)), $"{file}: ids differ");
            tokens += expected.Count;
        }
        Assert.True(tokens > 20_000, $"{tokens} tokens compared");
    }

    [Fact]
    public void TokenBytes_EveryId_SameBytesAsLlamaCppPieces()
    {
        using LlamaBackend llama = Open(out BpeTokenizer ours);
        byte[] buffer = new byte[256];
        for (int id = 0; id < llama.VocabSize; id++)
        {
            int n = (int)llama.Model.TokenToSpan(id, buffer, 0, true);
            Assert.True(buffer.AsSpan(0, n).SequenceEqual(ours.TokenBytes(id)), $"token {id}: llama.cpp '{Encoding.UTF8.GetString(buffer, 0, n)}', ours '{Encoding.UTF8.GetString(ours.TokenBytes(id))}'");
        }
    }

    private LlamaBackend Open(out BpeTokenizer ours)
    {
        var llama = new LlamaBackend(models.Open("codegen-tiny"), new LlamaBackendOptions { Cells = 512, MaxContext = 512, Sequences = 1, Threads = 1 });
        ours = llama.Tokenizer!;
        return llama;
    }

    private static List<int> LlamaIds(LlamaBackend llama, string text) =>
        [.. llama.Model.Tokenize(text, false, true, Encoding.UTF8).Select(t => (int)t)];

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CodeGen.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("no CodeGen.sln above the test assembly");
    }
}
