using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Completion;

// Maps LSP positions to string offsets and applies range edits. Characters count UTF-16 code units, which is
// what a .NET string index is, so a surrogate pair counts 2. Line breaks are "\n", "\r\n" and "\r", as LSP
// defines them.
internal static class TextEdits
{
    // Replaces range of text with newText.
    // Throws ArgumentOutOfRangeException: A negative line or character.
    // Throws ArgumentException: The range ends before it starts.
    public static string Apply(string text, TextRange range, string newText)
    {
        int start = OffsetAt(text, range.Start);
        int end = OffsetAt(text, range.End);
        if (end < start)
        {
            throw new ArgumentException(
                $"Range end {Format(range.End)} is before its start {Format(range.Start)}.", nameof(range));
        }

        return string.Concat(text.AsSpan(0, start), newText, text.AsSpan(end));
    }

    // The string offset of position. As LSP specifies, a character past the end of its line means the end of
    // the line; a line past the last means the end of the text.
    public static int OffsetAt(string text, Position position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position.Line, nameof(position));
        ArgumentOutOfRangeException.ThrowIfNegative(position.Character, nameof(position));

        int lineStart = 0;
        for (int line = 0; line < position.Line; line++)
        {
            int lineBreak = text.AsSpan(lineStart).IndexOfAny('\r', '\n');
            if (lineBreak < 0)
            {
                return text.Length;
            }

            lineStart += lineBreak;
            lineStart += text[lineStart] == '\r' && lineStart + 1 < text.Length && text[lineStart + 1] == '\n' ? 2 : 1;
        }

        int lineLength = text.AsSpan(lineStart).IndexOfAny('\r', '\n');
        if (lineLength < 0)
        {
            lineLength = text.Length - lineStart;
        }

        return lineStart + Math.Min(position.Character, lineLength);
    }

    private static string Format(Position position) => $"{position.Line}:{position.Character}";
}
