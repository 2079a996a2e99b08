namespace CodeGen.Lsp.Completion;

// A run of consecutive lines of a file and its identifiers: the unit context retrieval ranks and quotes.
internal sealed record ContextWindow(string Text, HashSet<string> Identifiers)
{
    public const int Lines = 16;

    // Windows of Lines lines every Lines / 2 lines (overlapping, so a relevant passage is never split).
    public static IReadOnlyList<ContextWindow> Split(string text)
    {
        string[] lines = text.Split('\n');
        var windows = new List<ContextWindow>();
        for (int start = 0; start < lines.Length; start += Lines / 2)
        {
            string window = string.Join('\n', lines, start, Math.Min(Lines, lines.Length - start)).TrimEnd();
            if (window.Length > 0)
            {
                windows.Add(new ContextWindow(window, Completion.Identifiers.Of(window)));
            }

            if (start + Lines >= lines.Length)
            {
                break;
            }
        }

        return windows;
    }
}
