namespace CodeGen.Lsp.Completion;

// A passage of another file that goes into the prompt. Path: as shown in its path comment.
internal sealed record ContextSnippet(string Path, string Text);
