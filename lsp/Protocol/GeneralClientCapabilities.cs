namespace CodeGen.Lsp.Protocol;

// PositionEncodings: The encodings the client can use, in its order of preference (LSP 3.17).
internal sealed record GeneralClientCapabilities(IReadOnlyList<string>? PositionEncodings);
