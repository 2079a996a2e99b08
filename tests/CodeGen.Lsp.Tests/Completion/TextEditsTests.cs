using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class TextEditsTests
{
    // "é" 2 UTF-8 bytes / 1 UTF-16 unit, "😀" 4 / 2, "漢" 3 / 1.
    private const string Text = "aé😀漢b\n漢字";

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(0, 3, 2)]
    [InlineData(0, 7, 4)]
    [InlineData(0, 10, 5)]
    [InlineData(0, 11, 6)]
    [InlineData(1, 3, 8)]
    [InlineData(1, 99, 9)]
    public void OffsetAt_Utf8_CountsBytes(int line, int character, int offset)
    {
        Assert.Equal(offset, TextEdits.OffsetAt(Text, new Position(line, character), PositionEncoding.Utf8));
    }

    [Fact]
    public void OffsetAt_Utf8InsideCodePoint_MeansItsStart()
    {
        // Byte 5 is inside "😀" (bytes 3-6), which starts at offset 2.
        Assert.Equal(2, TextEdits.OffsetAt(Text, new Position(0, 5), PositionEncoding.Utf8));
    }

    [Fact]
    public void OffsetAt_Utf16BetweenSurrogateHalves_MeansPairStart()
    {
        Assert.Equal(2, TextEdits.OffsetAt(Text, new Position(0, 3), PositionEncoding.Utf16));
    }

    [Theory]
    [InlineData(true, 6, 0, 11)]
    [InlineData(false, 6, 0, 6)]
    [InlineData(true, 9, 1, 6)]
    [InlineData(false, 9, 1, 2)]
    public void PositionAt_Offset_GivesLineAndCharacterInEncoding(bool utf8, int offset, int line, int character)
    {
        PositionEncoding encoding = utf8 ? PositionEncoding.Utf8 : PositionEncoding.Utf16;

        Assert.Equal(new Position(line, character), TextEdits.PositionAt(Text, offset, encoding));
    }
}
