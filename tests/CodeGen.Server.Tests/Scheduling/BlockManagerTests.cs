using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Tests.Scheduling;

public sealed class BlockManagerTests
{
    private static int[] Tokens(int count, int salt = 0) => Enumerable.Range(0, count).Select(i => (i * 7 + salt) % 97).ToArray();

    private static void Grow(BlockManager blocks, long sequence, IReadOnlyList<int> tokens, List<(int, int)>? copies = null)
    {
        Assert.True(blocks.Reserve(sequence, blocks.Length(sequence) + tokens.Count, copies ?? []));
        blocks.Append(sequence, tokens);
    }

    [Fact]
    public void Reserve_AllocatesBlocksAsTheSequenceGrows_ReleaseFreesThem()
    {
        var blocks = new BlockManager(totalBlocks: 8, blockSize: 4, prefixCaching: false);
        Assert.Equal(0, blocks.Begin(1, Tokens(10)));
        Grow(blocks, 1, Tokens(10));
        Assert.Equal(3, blocks.Table(1).Count);
        Assert.Equal(3, blocks.UsedBlocks);
        Grow(blocks, 1, [1, 2]); // 12 positions: still 3 blocks
        Assert.Equal(3, blocks.UsedBlocks);
        Grow(blocks, 1, [3]);
        Assert.Equal(4, blocks.UsedBlocks);
        blocks.Release(1);
        Assert.Equal(0, blocks.UsedBlocks);
        Assert.Equal(8, blocks.FreeBlocks);
    }

    [Fact]
    public void Reserve_PoolFull_ReturnsFalseAndChangesNothing()
    {
        var blocks = new BlockManager(3, 4);
        blocks.Begin(1, Tokens(8));
        Grow(blocks, 1, Tokens(8));
        blocks.Begin(2, Tokens(8, 1));
        Assert.False(blocks.Reserve(2, 8, []));
        Assert.Empty(blocks.Table(2));
        Assert.Equal(2, blocks.UsedBlocks);
        Assert.True(blocks.Reserve(2, 4, []));
    }

    [Fact]
    public void Begin_SamePrefixWhileTheFirstRuns_SharesItsFullBlocksButNotTheLastToken()
    {
        var blocks = new BlockManager(16, 4);
        int[] prompt = Tokens(10);
        blocks.Begin(1, prompt);
        Grow(blocks, 1, prompt);
        // Positions 0-7 are in full blocks; 8-9 in a partial one. A prompt of exactly 9 tokens shares 2 blocks and
        // computes its last token itself (its logits are needed).
        Assert.Equal(8, blocks.Begin(2, prompt[..9]));
        Assert.Equal(blocks.Table(1).Take(2), blocks.Table(2));
        Assert.Equal(2, blocks.References(blocks.Table(1)[0]));
        // A prompt of 8 tokens shares only the first block: its last token must run.
        Assert.Equal(4, blocks.Begin(3, prompt[..8]));
        Assert.Equal(4, blocks.Begin(4, [.. prompt[..4], 90, 91, 92, 93, 94]));
        Assert.Equal(0, blocks.Begin(5, Tokens(10, 3)));
    }

    [Fact]
    public void Begin_AfterRelease_ReusesTheCachedBlocksUntilEvicted()
    {
        var blocks = new BlockManager(4, 4);
        int[] prompt = Tokens(9);
        blocks.Begin(1, prompt);
        Grow(blocks, 1, prompt);
        int[] table = [.. blocks.Table(1)];
        blocks.Release(1);
        Assert.Equal(0, blocks.UsedBlocks);
        Assert.Equal(2, blocks.CachedBlocks); // the two full blocks; the partial one went back to the free list
        Assert.Equal(8, blocks.Begin(2, prompt));
        Assert.Equal(table[..2], blocks.Table(2));
        Assert.Equal(0, blocks.CachedBlocks);
    }

    [Fact]
    public void Allocate_PoolExhausted_EvictsTheLeastRecentlyReleasedAndTheTailOfAPrefixFirst()
    {
        var blocks = new BlockManager(4, 2);
        int[] a = Tokens(4), b = Tokens(4, 5);
        blocks.Begin(1, a);
        Grow(blocks, 1, a); // blocks a0, a1 (full, cached)
        blocks.Release(1);
        blocks.Begin(2, b);
        Grow(blocks, 2, b); // the two never-used blocks
        blocks.Release(2);
        Assert.Equal(4, blocks.CachedBlocks);
        // One new block evicts a's tail block (released first, tail first): a's head block still serves its prefix.
        blocks.Begin(3, Tokens(2, 9));
        Assert.True(blocks.Reserve(3, 2, []));
        Assert.Equal(2, blocks.Begin(4, [.. a[..2], 50, 51]));
        Assert.Equal(4, blocks.Begin(5, [.. b, 1]));
    }

    [Fact]
    public void Reserve_AfterForkIntoASharedPartialBlock_CopiesItFirst()
    {
        var blocks = new BlockManager(8, 4);
        int[] prompt = Tokens(6);
        blocks.Begin(1, prompt);
        Grow(blocks, 1, prompt);
        blocks.Fork(1, 2, 5); // positions 0-4: block 0 (full) and the partial block 1, shared
        Assert.Equal(blocks.Table(1), blocks.Table(2));
        Assert.Equal(2, blocks.References(blocks.Table(1)[1]));
        var copies = new List<(int From, int To)>();
        Grow(blocks, 2, [prompt[5]], copies);
        (int from, int to) = Assert.Single(copies);
        Assert.Equal(blocks.Table(1)[1], from);
        Assert.Equal(to, blocks.Table(2)[1]);
        Assert.Equal(blocks.Table(1)[0], blocks.Table(2)[0]); // the full block stays shared
        Assert.Equal(1, blocks.References(from));
    }

    [Fact]
    public void Truncate_IntoACachedBlock_NextWriteDoesNotChangeTheCachedContent()
    {
        var blocks = new BlockManager(8, 4);
        int[] prompt = Tokens(8);
        blocks.Begin(1, prompt);
        Grow(blocks, 1, prompt);
        blocks.Begin(2, [.. prompt, 3]);
        Assert.Equal(8, blocks.Length(2));
        blocks.Truncate(2, 6); // back into shared block 1
        var copies = new List<(int, int)>();
        Grow(blocks, 2, [60, 61], copies);
        Assert.Single(copies);
        Assert.Equal(8, blocks.Begin(3, [.. prompt, 4])); // the original prefix is intact and still cached
        blocks.Release(1);
        blocks.Release(3);
        blocks.Truncate(2, 2);
        copies.Clear();
        Grow(blocks, 2, [70], copies); // ours alone but cached: copied while blocks are free, so the cache keeps the prefix
        Assert.Single(copies);
        Assert.Equal(8, blocks.Begin(4, [.. prompt, 5]));
    }

    [Fact]
    public void RandomOperations_10000_EndWithEveryBlockFreeAndNoBlockSharedByMistake()
    {
        var random = new Random(1234);
        var blocks = new BlockManager(48, 4);
        var live = new Dictionary<long, List<int>>();
        long next = 1;
        for (int op = 0; op < 10_000; op++)
        {
            int kind = random.Next(6);
            if (kind == 0 || live.Count == 0)
            {
                // A prompt from a small alphabet, so prefixes repeat and get shared.
                var prompt = Enumerable.Range(0, random.Next(1, 20)).Select(_ => random.Next(3)).ToList();
                long id = next++;
                int held = blocks.Begin(id, prompt);
                Assert.Equal(prompt.Take(held), Enumerable.Range(0, held).Select(i => prompt[i]));
                var tokens = prompt.Take(held).ToList();
                var rest = prompt.Skip(held).ToList();
                if (blocks.Reserve(id, prompt.Count, []))
                {
                    blocks.Append(id, rest);
                    tokens.AddRange(rest);
                    live[id] = tokens;
                }
                else
                {
                    blocks.Release(id);
                }
            }
            else
            {
                long id = live.Keys.ElementAt(random.Next(live.Count));
                List<int> tokens = live[id];
                switch (kind)
                {
                    case 1:
                    case 2:
                        int token = random.Next(3);
                        if (blocks.Reserve(id, tokens.Count + 1, []))
                        {
                            blocks.Append(id, [token]);
                            tokens.Add(token);
                        }
                        break;
                    case 3:
                        int length = random.Next(tokens.Count + 1);
                        blocks.Truncate(id, length);
                        tokens.RemoveRange(length, tokens.Count - length);
                        break;
                    case 4:
                        long child = next++;
                        int prefix = random.Next(tokens.Count + 1);
                        blocks.Fork(id, child, prefix);
                        live[child] = tokens.Take(prefix).ToList();
                        break;
                    default:
                        blocks.Release(id);
                        live.Remove(id);
                        break;
                }
            }
            if (op % 97 == 0) AssertConsistent(blocks, live);
        }
        AssertConsistent(blocks, live);
        foreach (long id in live.Keys.ToList()) blocks.Release(id);
        Assert.Equal(0, blocks.UsedBlocks);
        Assert.Equal(48, blocks.FreeBlocks);
        Assert.All(Enumerable.Range(0, 48), b => Assert.Equal(0, blocks.References(b)));
    }

    // Reference counts equal the tables that hold each block; lengths match; and two sequences share a block only
    // where their token histories agree on every position that block holds (a block shared by mistake would not).
    private static void AssertConsistent(BlockManager blocks, Dictionary<long, List<int>> live)
    {
        var holders = new Dictionary<int, List<(long Id, int Index)>>();
        foreach ((long id, List<int> tokens) in live)
        {
            Assert.Equal(tokens.Count, blocks.Length(id));
            Assert.Equal(blocks.BlocksFor(tokens.Count), blocks.Table(id).Count);
            for (int i = 0; i < blocks.Table(id).Count; i++)
            {
                int block = blocks.Table(id)[i];
                if (!holders.TryGetValue(block, out var list)) holders[block] = list = [];
                list.Add((id, i));
            }
        }
        for (int b = 0; b < blocks.TotalBlocks; b++)
            Assert.Equal(holders.TryGetValue(b, out var list) ? list.Count : 0, blocks.References(b));
        Assert.Equal(holders.Count, blocks.UsedBlocks);
        foreach ((int block, var list) in holders)
        {
            (long firstId, int index) = list[0];
            foreach ((long otherId, int otherIndex) in list.Skip(1))
            {
                Assert.Equal(index, otherIndex);
                int start = index * blocks.BlockSize;
                int shared = Math.Min(blocks.BlockSize, Math.Min(live[firstId].Count, live[otherId].Count) - start);
                Assert.Equal(live[firstId].Skip(start).Take(shared), live[otherId].Skip(start).Take(shared));
            }
        }
    }
}
