using System.Text.Json;

namespace CodeGen.Training.Data;

/// <summary>Reads corpus.jsonl (one camelCase <see cref="CorpusDocument"/> per line, as 'training corpus' writes it).</summary>
internal static class CorpusJsonl
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static IEnumerable<CorpusDocument> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file not found: {path} (make it with 'training corpus')", path);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            CorpusDocument? document;
            try
            {
                document = JsonSerializer.Deserialize<CorpusDocument>(line, Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not a corpus document: {e.Message}", e);
            }
            yield return document ?? throw new InvalidDataException($"{path}:{lineNumber}: empty line");
        }
    }
}
