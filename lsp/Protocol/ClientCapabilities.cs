namespace CodeGen.Lsp.Protocol;

// The client capabilities we read; the rest are ignored.
internal sealed record ClientCapabilities(GeneralClientCapabilities? General);
