namespace CodeGen.Lsp.Protocol;

/// <summary>Asks the client for didOpen/didClose and for didChange in the given form.</summary>
internal sealed record TextDocumentSyncOptions(bool OpenClose, TextDocumentSyncKind Change);
