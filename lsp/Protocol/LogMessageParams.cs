namespace CodeGen.Lsp.Protocol;

// window/logMessage parameters.
internal sealed record LogMessageParams(MessageType Type, string Message);
