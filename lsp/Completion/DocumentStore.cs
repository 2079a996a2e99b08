using System.Diagnostics.CodeAnalysis;
using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Completion;

// The text of every open document, kept in step with didOpen, didChange and didClose. Thread-safe: readers
// get immutable snapshots; a didChange applies all its edits or none.
internal sealed class DocumentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OpenDocument> _documents = new(StringComparer.Ordinal);

    // Opens a document, replacing any earlier one with the same URI.
    public OpenDocument Open(TextDocumentItem item)
    {
        var document = new OpenDocument(item.Uri, item.LanguageId, item.Version, item.Text);
        lock (_gate)
        {
            _documents[item.Uri] = document;
        }

        return document;
    }

    // Applies changes in order (a change without a range replaces the whole text) and sets the version.
    // Returns false, changing nothing, when the document is not open.
    // Throws ArgumentException: An edit's range is invalid; the document keeps its previous text.
    public bool TryChange(
        VersionedTextDocumentIdentifier id,
        IReadOnlyList<TextDocumentContentChangeEvent> changes,
        [NotNullWhen(true)] out OpenDocument? updated)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(id.Uri, out OpenDocument? current))
            {
                updated = null;
                return false;
            }

            string text = current.Text;
            foreach (TextDocumentContentChangeEvent change in changes)
            {
                text = change.Range is null ? change.Text : TextEdits.Apply(text, change.Range, change.Text);
            }

            updated = current with { Version = id.Version, Text = text };
            _documents[id.Uri] = updated;
            return true;
        }
    }

    // Forgets a document; false when it was not open.
    public bool Close(string uri)
    {
        lock (_gate)
        {
            return _documents.Remove(uri);
        }
    }

    public bool TryGet(string uri, [NotNullWhen(true)] out OpenDocument? document)
    {
        lock (_gate)
        {
            return _documents.TryGetValue(uri, out document);
        }
    }

    // Snapshots of all open documents (context for prompts), in no particular order.
    public IReadOnlyList<OpenDocument> Snapshot()
    {
        lock (_gate)
        {
            return [.. _documents.Values];
        }
    }
}
