using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Completion;

// A suggestion to show: Text inserted at Range (empty, at the cursor, in the negotiated encoding).
internal sealed record Suggestion(string Text, TextRange Range);
