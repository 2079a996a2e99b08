namespace CodeGen.Lsp.Completion;

// How a suggestion at the cursor may look.
// MultiLine: whether it may continue past the cursor's line.
// LinePrefix: The cursor line's text before the cursor; RestOfLine: its text after the cursor.
// Stop: The server's stop sequences.
internal sealed record CompletionShape(bool MultiLine, string LinePrefix, string RestOfLine, IReadOnlyList<string> Stop)
{
    // Decides the shape from the cursor position: inside a line (text follows) one line; at a line end or in
    // an empty block several lines, ended by a blank line (the server's stop) or a line that leaves the
    // cursor's block (CompletionTrimmer).
    public static CompletionShape At(string text, int offset, LinePolicy policy)
    {
        int lineStart = text.LastIndexOf('\n', Math.Max(0, offset - 1), offset) + 1;
        int lineEnd = text.IndexOf('\n', offset);
        lineEnd = lineEnd < 0 ? text.Length : lineEnd;
        string linePrefix = text[lineStart..offset];
        string rest = text[offset..lineEnd].TrimEnd('\r');
        bool multi = policy switch
        {
            LinePolicy.Single => false,
            LinePolicy.Multi => true,
            _ => rest.Trim().Length == 0,
        };
        return new CompletionShape(multi, linePrefix, rest, multi ? ["\n\n", "\r\n\r\n"] : ["\n", "\r\n"]);
    }
}
