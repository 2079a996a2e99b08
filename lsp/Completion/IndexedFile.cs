namespace CodeGen.Lsp.Completion;

// A workspace file read for context. Path: relative to the workspace folder, with '/' separators.
internal sealed record IndexedFile(string Path, string FullPath, string LanguageId, DateTime Modified, IReadOnlyList<ContextWindow> Windows);
