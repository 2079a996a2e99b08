using CodeGen.Model;
using CodeGen.Model.Gguf;
using CodeGen.Server.Backends;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Backends;

/// <summary>
/// The llama.cpp backend against the seam's contract and against the TorchSharp engine on the same weights (F32
/// file, F32 KV cache, flash attention off): llama.cpp is an implementation nobody here wrote, so agreement to 1e-4
/// checks both.
/// </summary>
public sealed class LlamaBackendTests(GgufTestModels models) : IClassFixture<GgufTestModels>
{
    private const float Tolerance = 1e-4f;

    private static readonly int[] Prompt = [1, 17, 300, 45, 9, 88, 120, 7, 64, 33, 5];

    private LlamaBackend Llama(string name, bool prefixCaching = true, int cells = 2048, int batchTokens = 512) =>
        new(models.Open(name), new LlamaBackendOptions { Cells = cells, MaxContext = 256, Sequences = 8, Threads = 2, PrefixCaching = prefixCaching, BatchTokens = batchTokens });

    [Theory]
    [InlineData("qwen2")]
    [InlineData("codegen-tiny")]
    [InlineData("stories260K")]
    public void Execute_SameWeightsAsTorchSharp_IdenticalGreedyIdsAndLogitsWithin1e4(string name)
    {
        (string directory, _) = models.Pair(name);
        int[] prompt = name == "stories260K" ? [1] : Prompt;
        using LlamaBackend llama = Llama(name);
        using var torch = new TorchBackend(CausalLM.Load(directory, float32, CPU), null, blocks: 64, blockSize: 16, maxContext: 256, prefixCaching: false);
        (List<int> llamaIds, List<float[]> llamaLogits) = Greedy(llama, prompt, 20);
        (List<int> torchIds, List<float[]> torchLogits) = Greedy(torch, prompt, 20);
        Assert.Equal(torchIds, llamaIds);
        Assert.True(MaxDifference(torchLogits, llamaLogits) < Tolerance, $"max |logit difference| {MaxDifference(torchLogits, llamaLogits)}");
        if (name == "stories260K")
        {
            // llama2.c's run.c from BOS (../shared/README.md)
            Assert.Equal([461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264, 283, 452, 288, 13], llamaIds);
            Assert.Equal(1.973871f, llamaLogits[0][0], 1e-4f);
        }
    }

    [Fact]
    public void Execute_VerifyRowsOfDrafts_EqualOneTokenAtATime()
    {
        using LlamaBackend llama = Llama("qwen2");
        int[] drafts = [400, 401, 402, 403];
        Prefill(llama, 1, Prompt);
        llama.Reserve(1, Prompt.Length + 5);
        StepLogits verify = llama.Execute([new BackendSequence(1, [99, .. drafts], 5)]);
        Assert.Equal(5, verify.Rows(0));
        float[][] rows = [.. Enumerable.Range(0, 5).Select(r => verify.Row(0, r).ToArray())];
        Prefill(llama, 2, Prompt);
        int[] all = [99, .. drafts];
        for (int i = 0; i < all.Length; i++)
        {
            llama.Reserve(2, Prompt.Length + i + 1);
            float[] single = llama.Execute([new BackendSequence(2, [all[i]], 1)]).Row(0, 0).ToArray();
            Assert.True(MaxDifference([rows[i]], [single]) < Tolerance, $"row {i}: {MaxDifference([rows[i]], [single])}");
        }
        Assert.Equal(Prompt.Length + 5, llama.Length(1));
    }

    [Fact]
    public void Truncate_RejectedDrafts_ContinuesAsASequenceThatNeverSawThem()
    {
        using LlamaBackend llama = Llama("qwen2", prefixCaching: false);
        Prefill(llama, 1, Prompt);
        llama.Reserve(1, Prompt.Length + 4);
        llama.Execute([new BackendSequence(1, [99, 400, 401, 402], 4)]); // 3 drafts after 99: only 99 accepted
        llama.Truncate(1, Prompt.Length + 1);
        Assert.Equal(Prompt.Length + 1, llama.Length(1));
        Prefill(llama, 2, [.. Prompt, 99]);
        foreach (int token in new[] { 500, 12, 700 })
        {
            llama.Reserve(1, llama.Length(1) + 1);
            float[] rolledBack = llama.Execute([new BackendSequence(1, [token], 1)]).Row(0, 0).ToArray();
            llama.Reserve(2, llama.Length(2) + 1);
            float[] clean = llama.Execute([new BackendSequence(2, [token], 1)]).Row(0, 0).ToArray();
            Assert.True(MaxDifference([rolledBack], [clean]) < 1e-5f, $"after {token}: {MaxDifference([rolledBack], [clean])}");
        }
    }

    [Fact]
    public void Execute_SequencesOfDifferentLengthsInOneBatch_EqualEachAlone()
    {
        int[][] prompts = [Prompt, [5, 6, 7], [.. Prompt, .. Prompt, 3]];
        using LlamaBackend llama = Llama("qwen2", prefixCaching: false);
        for (int i = 0; i < prompts.Length; i++) { llama.Begin(i, []); llama.Reserve(i, prompts[i].Length); }
        StepLogits together = llama.Execute([.. prompts.Select((p, i) => new BackendSequence(i, p, 1))]);
        float[][] batched = [.. prompts.Select((_, i) => together.Row(i, 0).ToArray())];
        for (int i = 0; i < prompts.Length; i++)
        {
            using LlamaBackend alone = Llama("qwen2", prefixCaching: false);
            float[] row = Prefill(alone, 9, prompts[i]);
            Assert.True(MaxDifference([batched[i]], [row]) < 1e-5f, $"sequence {i}: {MaxDifference([batched[i]], [row])}");
        }
    }

    [Fact]
    public void Begin_PromptOfAReleasedSequence_ReusesItsPrefixWithEqualLogits()
    {
        using LlamaBackend llama = Llama("qwen2");
        Prefill(llama, 1, Prompt);
        llama.Release(1);
        int[] longer = [.. Prompt, 250, 251];
        int held = llama.Begin(2, longer);
        Assert.Equal(Prompt.Length, held);
        llama.Reserve(2, longer.Length);
        float[] reused = llama.Execute([new BackendSequence(2, longer[held..], 1)]).Row(0, 0).ToArray();
        using LlamaBackend fresh = Llama("qwen2", prefixCaching: false);
        float[] computed = Prefill(fresh, 1, longer);
        Assert.True(MaxDifference([reused], [computed]) < 1e-5f, $"{MaxDifference([reused], [computed])}");
        // The same prompt again: everything but its last token is held (its logits are needed).
        Assert.Equal(longer.Length - 1, llama.Begin(3, longer));
    }

    [Fact]
    public void Fork_PromptPrefix_ContinuesAsTheSourceWould()
    {
        using LlamaBackend llama = Llama("qwen2");
        Prefill(llama, 1, Prompt);
        llama.Fork(1, 2, Prompt.Length - 1);
        Assert.Equal(Prompt.Length - 1, llama.Length(2));
        llama.Reserve(2, Prompt.Length);
        float[] forked = llama.Execute([new BackendSequence(2, [Prompt[^1]], 1)]).Row(0, 0).ToArray();
        using LlamaBackend fresh = Llama("qwen2", prefixCaching: false);
        Assert.True(MaxDifference([forked], [Prefill(fresh, 1, Prompt)]) < 1e-5f);
    }

    [Fact]
    public void Execute_StepFailingInItsSecondDecode_LeavesTheSequenceAsBefore()
    {
        using LlamaBackend llama = Llama("qwen2", prefixCaching: false, batchTokens: 4); // an 11-token prompt runs as 3 decodes
        Prefill(llama, 1, Prompt);
        llama.Reserve(1, Prompt.Length + 6);
        var e = Assert.Throws<InvalidOperationException>(() => llama.Execute([new BackendSequence(1, [5, 6, 7, 8, 5000, 9], 1)])); // 5000 >= vocab 1024
        Assert.Equal("llama_decode of 2 tokens failed: InvalidInputBatch", e.Message);
        Assert.Equal(Prompt.Length, llama.Length(1));
        float[] after = llama.Execute([new BackendSequence(1, [5], 1)]).Row(0, 0).ToArray();
        using LlamaBackend fresh = Llama("qwen2", prefixCaching: false);
        Assert.True(MaxDifference([after], [Prefill(fresh, 1, [.. Prompt, 5])]) < 1e-5f);
    }

    [Fact]
    public void Reserve_BeyondTheCache_FalseAfterEvictingCachedPrompts()
    {
        using LlamaBackend llama = Llama("qwen2", cells: 256); // 16 blocks of 16
        Assert.Equal(16, llama.TotalBlocks);
        Prefill(llama, 1, [.. Enumerable.Range(3, 100)]); // 7 blocks
        Assert.Equal(7, llama.UsedBlocks);
        llama.Release(1); // kept for reuse, but free to the engine's admission
        Assert.Equal(0, llama.UsedBlocks);
        Assert.Equal(16, llama.FreeBlocks);
        Prefill(llama, 2, [.. Enumerable.Range(500, 150)]); // 10 blocks: the cached prompt (7) is evicted to make room
        Assert.Equal(10, llama.UsedBlocks);
        Assert.Equal(0, llama.Begin(3, [.. Enumerable.Range(3, 100)])); // evicted: nothing to reuse
        Assert.False(llama.Reserve(3, 100));
        Assert.Equal(0, llama.Length(3));
        Assert.True(llama.Reserve(3, 96));
        Assert.Equal(16, llama.UsedBlocks);
        llama.Release(2);
        llama.Release(3);
    }

    private static float[] Prefill(IModelBackend backend, long sequence, int[] prompt)
    {
        int held = backend.Begin(sequence, prompt);
        Assert.True(backend.Reserve(sequence, prompt.Length));
        return backend.Execute([new BackendSequence(sequence, prompt[held..], 1)]).Row(0, 0).ToArray();
    }

    private static (List<int> Ids, List<float[]> Logits) Greedy(IModelBackend backend, int[] prompt, int steps)
    {
        var logits = new List<float[]> { Prefill(backend, 1, prompt) };
        var ids = new List<int>();
        for (int i = 0; i < steps; i++)
        {
            float[] row = logits[^1];
            int next = Array.IndexOf(row, row.Max());
            ids.Add(next);
            if (i == steps - 1) break;
            Assert.True(backend.Reserve(1, prompt.Length + ids.Count));
            logits.Add(backend.Execute([new BackendSequence(1, [next], 1)]).Row(0, 0).ToArray());
        }
        return (ids, logits);
    }

    private static float MaxDifference(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        Assert.Equal(a.Count, b.Count);
        float max = 0;
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }
}
