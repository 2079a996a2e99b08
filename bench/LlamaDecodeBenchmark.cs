using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading.Channels;
using CodeGen.Model;
using CodeGen.Model.Gguf;
using CodeGen.Model.Sampling;
using CodeGen.Model.Weights;
using CodeGen.Server.Backends;
using CodeGen.Server.Engine;
using LLama;
using LLama.Native;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using static TorchSharp.torch;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench decode --backend llama</c>: the same random-weight shapes as GGUF files (f32, f16, q8_0, q4_0, made by
/// <c>training export</c>'s code) run by the llama.cpp backend: prefill, batch-1 decode against the floor of that
/// file's bytes over a native multi-threaded memory read, batch-8 and batch-16 decode through the backend, and the
/// engine's own cost (batch-1 greedy decode through EngineLoop against a plain LLamaSharp decode loop on the file).
/// </summary>
internal static class LlamaDecodeBenchmark
{
    public static void Run(string[] shapes, string[] quants, int promptLength, int steps, int threads, string directory)
    {
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        LlamaNative.EnsureLoaded();
        using var read = new NativeRead(1L << 30);
        double bandwidth = read.Measure(threads);
        AnsiConsole.MarkupLine($"threads: {threads}; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")}; native read: {bandwidth / 1e9:F1} GB/s ({threads} threads over 1 GiB, best of 5)");
        var table = new Table().AddColumns("shape", "file", "file GB", "read GB/s", "prefill tok/s", "decode b=1 tok/s", "floor b=1 tok/s", "b=1 / floor", "decode b=8 tok/s", "decode b=16 tok/s");
        var engineTable = new Table().AddColumns("shape", "file", "plain LLamaSharp loop tok/s", "engine (EngineLoop) tok/s", "engine / plain");
        foreach (string shape in shapes)
        {
            string f32 = Prepare(shape.Trim(), directory);
            foreach (string quant in quants)
            {
                string file = Quantize(f32, quant.Trim(), threads);
                double bytes = new FileInfo(file).Length;
                GgufModel model = GgufModel.Open(file);
                double prefill, decode1, decode8, decode16;
                using (var backend = new LlamaBackend(model, Options(promptLength + 2 * steps + 80, 16, threads)))
                {
                    prefill = Prefill(backend, promptLength, model.Config.VocabSize);
                    decode1 = Decode(backend, 1, steps, model.Config.VocabSize);
                    decode8 = Decode(backend, 8, steps, model.Config.VocabSize);
                    decode16 = Decode(backend, 16, Math.Max(4, steps / 2), model.Config.VocabSize);
                }
                double b = read.Measure(threads);
                table.AddRow(shape, quant, $"{bytes / 1e9:F2}", $"{b / 1e9:F1}", $"{prefill:F1}", $"{decode1:F2}", $"{b / bytes:F2}", $"{decode1 / (b / bytes):P0}", $"{decode8:F2}", $"{decode16:F2}");
                (double plain, double engine) = EngineAgainstPlainLoop(file, steps * 2, threads);
                engineTable.AddRow(shape, quant, $"{plain:F2}", $"{engine:F2}", $"{engine / plain:P0}");
                AnsiConsole.MarkupLine($"[grey]{shape} {quant}: done[/]");
            }
        }
        AnsiConsole.Write(table);
        AnsiConsole.Write(engineTable);
        AnsiConsole.MarkupLine("[grey]Floor: the file's bytes read once per token at the native read rate measured right after the row. llama.cpp: F32 KV cache, flash attention off.[/]");
    }

    private static LlamaBackendOptions Options(int context, int sequences, int threads) => new()
    {
        Cells = context * sequences,
        MaxContext = context,
        Sequences = sequences,
        BatchTokens = 512,
        Threads = threads,
        PrefixCaching = false,
    };

    /// <summary>The shape with random weights (std 0.02) as an F32 GGUF file in <paramref name="directory"/> (made once).</summary>
    private static string Prepare(string shape, string directory)
    {
        string file = Path.Combine(directory, $"{shape}-f32.gguf");
        if (File.Exists(file)) return file;
        string hf = Path.Combine(directory, $"{shape}-hf");
        ModelConfig config = ModelShapes.Get(shape) with { MaxPositionEmbeddings = 4096 };
        using (var model = new CausalLM(config, new RandomWeightSource(1, float32, CPU, std: 0.02), float32, CPU))
        {
            model.Save(hf);
        }
        GgufExporter.Export(hf, file, GgufTensorType.F32, GgufExporter.SyntheticSentencePieceVocabulary(config.VocabSize));
        Directory.Delete(hf, recursive: true);
        return file;
    }

    private static string Quantize(string f32, string quant, int threads)
    {
        if (quant == "f32") return f32;
        string file = f32.Replace("-f32.gguf", $"-{quant}.gguf", StringComparison.Ordinal);
        if (File.Exists(file)) return file;
        LLamaFtype type = quant switch
        {
            "f16" => LLamaFtype.MOSTLY_F16,
            "q8_0" => LLamaFtype.MOSTLY_Q8_0,
            "q4_0" => LLamaFtype.MOSTLY_Q4_0,
            "q4_k_m" => LLamaFtype.MOSTLY_Q4_K_M,
            _ => throw new ArgumentException($"--quants: f32, f16, q8_0, q4_0 or q4_k_m, not '{quant}'"),
        };
        if (!LLamaQuantizer.Quantize(f32, file, type, threads, allowRequantize: false, quantizeOutputTensor: false))
            throw new InvalidOperationException($"llama.cpp could not quantize {f32} to {quant}");
        return file;
    }

    private static int[] Tokens(int count, int offset, int vocab) => [.. Enumerable.Range(0, count).Select(i => (i * 7919 + offset * 104729 + 3) % vocab)];

    private static double Prefill(LlamaBackend backend, int length, int vocab)
    {
        var times = new List<double>();
        for (int run = 0; run < 2; run++)
        {
            backend.Begin(run, []);
            backend.Reserve(run, length);
            var watch = Stopwatch.StartNew();
            backend.Execute([new BackendSequence(run, Tokens(length, run, vocab), 1)]);
            times.Add(watch.Elapsed.TotalSeconds);
            backend.Release(run);
        }
        return length / times.Min();
    }

    // batch sequences that each hold a 64-token prompt, then steps + 1 decode steps of one token each (the first warms up).
    private static double Decode(LlamaBackend backend, int batch, int steps, int vocab)
    {
        const int prompt = 64;
        for (int s = 0; s < batch; s++)
        {
            backend.Begin(100 + s, []);
            backend.Reserve(100 + s, prompt);
        }
        backend.Execute([.. Enumerable.Range(0, batch).Select(s => new BackendSequence(100 + s, Tokens(prompt, s + 7, vocab), 1))]);
        var times = new List<double>();
        for (int step = 0; step <= steps; step++)
        {
            for (int s = 0; s < batch; s++) backend.Reserve(100 + s, prompt + step + 1);
            var watch = Stopwatch.StartNew();
            StepLogits logits = backend.Execute([.. Enumerable.Range(0, batch).Select(s => new BackendSequence(100 + s, [(step * 31 + s) % vocab], 1))]);
            for (int s = 0; s < batch; s++) _ = ArgMax(logits.Row(s, 0));
            if (step > 0) times.Add(watch.Elapsed.TotalSeconds);
        }
        for (int s = 0; s < batch; s++) backend.Release(100 + s);
        times.Sort();
        return batch / times[times.Count / 2];
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /// <summary>Batch-1 greedy decode tok/s after a 64-token prompt: a plain LLamaSharp loop (batch, decode, argmax) and the server's EngineLoop on the same file.</summary>
    private static (double Plain, double Engine) EngineAgainstPlainLoop(string file, int tokens, int threads)
    {
        int[] prompt = Tokens(64, 3, GgufModel.Open(file).Config.VocabSize);
        double plain = PlainLoop(file, prompt, tokens, threads);
        var engine = new EngineOptions { MaxBatch = 1, Backend = "llama", Threads = threads, MaxContext = 512, KvCacheMemory = "256MiB", PrefixCache = false };
        using var host = new ModelHost(file, float32, CPU, engine);
        using var loop = new EngineLoop(host, engine, new EngineMetrics(), NullLogger<EngineLoop>.Instance);
        loop.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        host.GetAsync().GetAwaiter().GetResult();
        var job = new GenerationJob("bench", prompt, tokens, SamplingOptions.Greedy, [], [], null);
        ChannelReader<TokenEvent> reader = loop.TrySubmit([job], CancellationToken.None, out string? rejection)?[0]
            ?? throw new InvalidOperationException($"the engine refused the request ({rejection})");
        var stamps = new List<double>();
        var watch = Stopwatch.StartNew();
        foreach (TokenEvent e in reader.ReadAllAsync().ToBlockingEnumerable())
        {
            if (e.TokenId >= 0) stamps.Add(watch.Elapsed.TotalSeconds);
        }
        loop.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        double engineRate = (stamps.Count - 1) / (stamps[^1] - stamps[0]); // first token ends the prefill
        return (plain, engineRate);
    }

    private static double PlainLoop(string file, int[] prompt, int tokens, int threads)
    {
        LLamaModelParams modelParams = LLamaModelParams.Default();
        using SafeLlamaModelHandle model = SafeLlamaModelHandle.LoadFromFile(file, modelParams);
        LLamaContextParams contextParams = LLamaContextParams.Default();
        contextParams.n_ctx = 512;
        contextParams.n_batch = 512;
        contextParams.n_ubatch = 512;
        contextParams.n_seq_max = 1;
        contextParams.type_k = GGMLType.GGML_TYPE_F32;
        contextParams.type_v = GGMLType.GGML_TYPE_F32;
        contextParams.llama_flash_attn_type = LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED;
        contextParams.n_threads = threads;
        contextParams.n_threads_batch = threads;
        using SafeLLamaContextHandle context = SafeLLamaContextHandle.Create(model, contextParams);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
        Check(context.Decode(batch));
        int next = ArgMax(context.GetLogitsIth(batch.TokenCount - 1));
        var watch = Stopwatch.StartNew();
        double first = 0;
        for (int t = 0; t < tokens; t++)
        {
            if (t == 1) first = watch.Elapsed.TotalSeconds;
            batch.Clear();
            batch.Add(next, prompt.Length + t, LLamaSeqId.Zero, true);
            Check(context.Decode(batch));
            next = ArgMax(context.GetLogitsIth(0));
        }
        return (tokens - 1) / (watch.Elapsed.TotalSeconds - first);
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode failed: {result}");
    }

    /// <summary>A native buffer read by several threads at once (vector loads summed): the machine's streaming read rate, which bounds batch-1 decode.</summary>
    private sealed unsafe class NativeRead : IDisposable
    {
        private readonly long _bytes;
        private readonly byte* _data;

        public NativeRead(long bytes)
        {
            _bytes = bytes;
            _data = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            for (long at = 0; at < bytes; at += 1 << 30) new Span<byte>(_data + at, (int)Math.Min(1 << 30, bytes - at)).Fill(1);
        }

        public double Measure(int threads)
        {
            double best = 0;
            for (int run = 0; run < 5; run++)
            {
                var watch = Stopwatch.StartNew();
                long chunk = _bytes / threads / 64 * 64;
                long total = 0;
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    Vector256<long> sum = Vector256<long>.Zero;
                    byte* p = _data + t * chunk, end = p + chunk;
                    for (; p < end; p += 128)
                    {
                        sum += Vector256.Load((long*)p) + Vector256.Load((long*)(p + 32)) + Vector256.Load((long*)(p + 64)) + Vector256.Load((long*)(p + 96));
                    }
                    Interlocked.Add(ref total, Vector256.Sum(sum));
                });
                double rate = chunk * threads / watch.Elapsed.TotalSeconds;
                if (total == 42) Console.Write(""); // keeps the sum alive
                best = Math.Max(best, rate);
            }
            return best;
        }

        public void Dispose() => NativeMemory.AlignedFree(_data);
    }
}
