using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Tests.Scheduling;

public sealed class BlockManagerAdapterTests
{
    private static readonly int[] Prompt = [.. Enumerable.Range(1, 9)]; // two full blocks of 4, then the last token

    [Fact]
    public void Begin_SamePromptOtherAdapter_SharesNothing_SameAdapterSharesFullBlocks()
    {
        var blocks = new BlockManager(16, 4);
        List<(int, int)> copies = [];
        Assert.Equal(0, blocks.Begin(1, Prompt, adapter: 1));
        Assert.True(blocks.Reserve(1, Prompt.Length, copies));
        blocks.Append(1, Prompt);
        int[] cached = [.. blocks.Table(1).Take(2)];
        blocks.Release(1); // its two full blocks stay cached under adapter 1's hashes

        Assert.Equal(0, blocks.Begin(2, Prompt)); // the base model
        Assert.Equal(0, blocks.Begin(3, Prompt, adapter: 2));
        Assert.Equal(8, blocks.Begin(4, Prompt, adapter: 1));
        Assert.Equal(cached, blocks.Table(4));
        Assert.Equal(1, blocks.Adapter(4));
        Assert.Equal(0, blocks.Adapter(2));
    }

    [Fact]
    public void Fork_KeepsTheSourcesAdapter_AndItsBlocksRegisterUnderIt()
    {
        var blocks = new BlockManager(16, 4);
        List<(int, int)> copies = [];
        blocks.Begin(1, Prompt, adapter: 2);
        Assert.True(blocks.Reserve(1, Prompt.Length, copies));
        blocks.Append(1, Prompt);
        blocks.Fork(1, 2, 8);
        Assert.Equal(2, blocks.Adapter(2));
        Assert.True(blocks.Reserve(2, 12, copies));
        blocks.Append(2, [9, 10, 11, 12]); // positions 8..11: a third full block, registered under adapter 2
        blocks.Release(1);
        blocks.Release(2);
        int[] longer = [.. Enumerable.Range(1, 13)];
        Assert.Equal(0, blocks.Begin(3, longer));
        Assert.Equal(12, blocks.Begin(4, longer, adapter: 2));
    }
}
