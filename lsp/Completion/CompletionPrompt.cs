namespace CodeGen.Lsp.Completion;

// What one request sends: the server's prompt is Context + Prefix, its suffix is Suffix (fill-in-the-middle).
// Prefix and Suffix are the document's text right before and after the cursor, cut to whole lines.
internal sealed record CompletionPrompt(string Context, string Prefix, string Suffix)
{
    public string Prompt => Context + Prefix;
}
