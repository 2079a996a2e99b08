using System.Text;
using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Completion;

// Maps LSP positions to string offsets and back, and applies range edits. A character counts UTF-16 code
// units (a .NET string index; a surrogate pair counts 2) or UTF-8 bytes, as negotiated at initialize. Line
// breaks are "\n", "\r\n" and "\r", as LSP defines them.
internal static class TextEdits
{
    // Replaces range of text with newText.
    // Throws ArgumentOutOfRangeException: A negative line or character.
    // Throws ArgumentException: The range ends before it starts.
    public static string Apply(string text, TextRange range, string newText, PositionEncoding encoding = PositionEncoding.Utf16)
    {
        int start = OffsetAt(text, range.Start, encoding);
        int end = OffsetAt(text, range.End, encoding);
        if (end < start)
        {
            throw new ArgumentException(
                $"Range end {Format(range.End)} is before its start {Format(range.Start)}.", nameof(range));
        }

        return string.Concat(text.AsSpan(0, start), newText, text.AsSpan(end));
    }

    // The string offset of position. As LSP specifies, a character past the end of its line means the end of
    // the line; a line past the last means the end of the text. A UTF-8 character inside a code point's bytes
    // (or a UTF-16 one between a surrogate pair's halves) means the start of that code point.
    public static int OffsetAt(string text, Position position, PositionEncoding encoding = PositionEncoding.Utf16)
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

        int offset = lineStart + Math.Min(position.Character, lineLength);
        if (encoding == PositionEncoding.Utf8)
        {
            offset = lineStart;
            int bytes = 0;
            while (offset < lineStart + lineLength)
            {
                int width = char.IsHighSurrogate(text[offset]) && offset + 1 < text.Length && char.IsLowSurrogate(text[offset + 1]) ? 2 : 1;
                int size = width == 2 ? 4 : Encoding.UTF8.GetByteCount(text.AsSpan(offset, 1));
                if (bytes + size > position.Character)
                {
                    break;
                }

                bytes += size;
                offset += width;
            }
        }
        else if (offset > lineStart && offset < text.Length && char.IsLowSurrogate(text[offset]) && char.IsHighSurrogate(text[offset - 1]))
        {
            offset--;
        }

        return offset;
    }

    // The position of a string offset (clamped to the text), in encoding.
    public static Position PositionAt(string text, int offset, PositionEncoding encoding = PositionEncoding.Utf16)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        int line = 0;
        int lineStart = 0;
        for (int i = 0; i < offset; i++)
        {
            char c = text[i];
            if (c == '\n' || (c == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                line++;
                lineStart = i + 1;
            }
        }

        int character = encoding == PositionEncoding.Utf8
            ? Encoding.UTF8.GetByteCount(text.AsSpan(lineStart, offset - lineStart))
            : offset - lineStart;
        return new Position(line, character);
    }

    private static string Format(Position position) => $"{position.Line}:{position.Character}";
}
