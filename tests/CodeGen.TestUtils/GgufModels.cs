using CodeGen.Model;
using CodeGen.Model.Gguf;

namespace CodeGen.TestUtils;

/// <summary>GGUF files of the test models, written by the project's exporter.</summary>
public static class GgufModels
{
    /// <summary>A random Qwen2 in Hugging Face layout with q/k/v biases and an untied head, with the small tokenizer (vocab 1024).</summary>
    public static string SaveQwen2Directory(string directory, int hidden = 32, int intermediate = 64, long seed = 5)
    {
        ModelConfig config = TinyModels.Qwen2Config(tied: false) with { VocabSize = 1024, HiddenSize = hidden, IntermediateSize = intermediate, HeadDim = hidden / 4, EosTokenIds = [1018] };
        using (CausalLM model = TinyModels.Random(config, seed))
        {
            model.Save(directory);
        }
        File.Copy(Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json"), Path.Combine(directory, "tokenizer.json"), overwrite: true);
        return directory;
    }

    /// <summary>Exports <paramref name="directory"/> to <paramref name="file"/> (F32 unless told).</summary>
    public static string Export(string directory, string file, GgufTensorType type = GgufTensorType.F32)
    {
        GgufExporter.Export(directory, file, type);
        return file;
    }

    /// <summary>
    /// stories260K as GGUF. Its tokenizer is not available, so the file carries a made-up SentencePiece ("llama")
    /// vocabulary of its 512 ids: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, then 253 word pieces; the model
    /// is driven by token ids only.
    /// </summary>
    public static string ExportStories260K(string file)
    {
        GgufExporter.Export(Fixtures.Stories260K, file, GgufTensorType.F32, GgufExporter.SyntheticSentencePieceVocabulary(512));
        return file;
    }
}
