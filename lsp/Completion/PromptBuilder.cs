namespace CodeGen.Lsp.Completion;

// Builds the fill-in-the-middle prompt within LspSettings.PromptTokens (at LspSettings.CharsPerToken
// characters each): context passages first, each under a path comment in the document's language (the
// bundled model has no repository format of its own, so a comment is what its training text looks like),
// then the current file's path comment and the text before the cursor; the text after it goes in the
// suffix. The suffix gets at most a quarter of what context leaves, the prefix the rest.
internal static class PromptBuilder
{
    public static CompletionPrompt Build(
        string text,
        int offset,
        string languageId,
        string displayPath,
        IReadOnlyList<ContextSnippet> snippets,
        LspSettings settings,
        int? maxChars = null)
    {
        // maxChars: what the server has shown it takes (CompletionClient.PromptCharsCap), when smaller.
        int budget = Math.Min(settings.PromptTokens * LspSettings.CharsPerToken, maxChars ?? int.MaxValue);
        string comment = Languages.LineComment(languageId);
        string context = snippets.Count == 0
            ? ""
            : string.Concat(snippets.Select(s => Render(s, comment))) + $"{comment} Path: {displayPath}\n";
        int remaining = Math.Max(0, budget - context.Length);

        string suffix = SuffixWindow(text, offset, remaining / 4);
        string prefix = PrefixWindow(text, offset, remaining - suffix.Length);
        return new CompletionPrompt(context, prefix, suffix);
    }

    // A passage as the prompt shows it.
    public static string Render(ContextSnippet snippet, string comment) => $"{comment} Path: {snippet.Path}\n{snippet.Text}\n\n";

    // The last chars characters before offset, starting at a line start when cut.
    private static string PrefixWindow(string text, int offset, int chars)
    {
        int start = Math.Max(0, offset - chars);
        if (start > 0 && text[start - 1] != '\n')
        {
            int lineBreak = text.IndexOf('\n', start, offset - start);
            start = lineBreak < 0 ? start : lineBreak + 1;
        }

        return text[start..offset];
    }

    // The first chars characters after offset, ending at a line end when cut.
    private static string SuffixWindow(string text, int offset, int chars)
    {
        if (chars <= 0)
        {
            return "";
        }

        int end = Math.Min(text.Length, offset + chars);
        if (end < text.Length)
        {
            int lineBreak = text.LastIndexOf('\n', end - 1, end - offset);
            end = lineBreak < 0 ? end : lineBreak + 1;
        }

        return text[offset..end];
    }
}
