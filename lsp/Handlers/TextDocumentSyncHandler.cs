using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

// textDocument/didOpen, didChange and didClose: keeps DocumentStore in step with the client; a change or close
// supersedes the request waiting for that document's suggestion.
internal sealed class TextDocumentSyncHandler(
    ServerLifecycle lifecycle,
    DocumentStore documents,
    CompletionEngine engine,
    ILogger<TextDocumentSyncHandler> logger)
{
    [JsonRpcMethod("textDocument/didOpen", UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams parameters)
    {
        if (!Accepts("textDocument/didOpen"))
        {
            return;
        }

        OpenDocument document = documents.Open(parameters.TextDocument);
        LogMessages.DocumentOpened(logger, document.Uri, document.Version, document.Text.Length);
    }

    [JsonRpcMethod("textDocument/didChange", UseSingleObjectParameterDeserialization = true)]
    public void DidChange(DidChangeTextDocumentParams parameters)
    {
        if (!Accepts("textDocument/didChange"))
        {
            return;
        }

        VersionedTextDocumentIdentifier id = parameters.TextDocument;
        engine.Supersede(id.Uri);
        try
        {
            if (documents.TryChange(id, parameters.ContentChanges, out OpenDocument? document))
            {
                LogMessages.DocumentChanged(logger, document.Uri, document.Version, parameters.ContentChanges.Count);
            }
            else
            {
                LogMessages.ChangeForClosedDocument(logger, id.Uri);
            }
        }
        catch (ArgumentException ex)
        {
            // A notification has no response to carry the error: log it; the document keeps its previous text.
            LogMessages.ChangeRejected(logger, id.Uri, id.Version, ex);
        }
    }

    [JsonRpcMethod("textDocument/didClose", UseSingleObjectParameterDeserialization = true)]
    public void DidClose(DidCloseTextDocumentParams parameters)
    {
        if (!Accepts("textDocument/didClose"))
        {
            return;
        }

        engine.Supersede(parameters.TextDocument.Uri);
        if (documents.Close(parameters.TextDocument.Uri))
        {
            LogMessages.DocumentClosed(logger, parameters.TextDocument.Uri);
        }
    }

    // LSP: notifications before initialize or after shutdown are dropped.
    private bool Accepts(string method)
    {
        if (lifecycle.AcceptsNotifications)
        {
            return true;
        }

        LogMessages.NotificationDropped(logger, method);
        return false;
    }
}
