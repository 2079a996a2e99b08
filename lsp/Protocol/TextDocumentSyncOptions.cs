namespace CodeGen.Lsp.Protocol;

// Asks the client for didOpen/didClose and for didChange in the given form.
internal sealed record TextDocumentSyncOptions(bool OpenClose, TextDocumentSyncKind Change);
