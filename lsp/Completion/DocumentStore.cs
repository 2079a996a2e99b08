using System.Diagnostics.CodeAnalysis;
using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Completion;

// The text of every open document, kept in step with didOpen, didChange and didClose, and the order in which
// they were last edited (context for prompts). Thread-safe: readers get immutable snapshots; a didChange
// applies all its edits or none.
internal sealed class DocumentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OpenDocument> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastEdit = new(StringComparer.Ordinal);
    private long _edits;

    // How positions in didChange count characters; set once at initialize (default UTF-16).
    public PositionEncoding Encoding { get; set; } = PositionEncoding.Utf16;

    // Opens a document, replacing any earlier one with the same URI. Its language id is normalized ("cs" is
    // "csharp"), so documents and workspace files of one language compare equal.
    public OpenDocument Open(TextDocumentItem item)
    {
        var document = new OpenDocument(item.Uri, Languages.Normalize(item.LanguageId), item.Version, item.Text);
        lock (_gate)
        {
            _documents[item.Uri] = document;
        }

        return document;
    }

    // Applies changes in order (a change without a range replaces the whole text) and sets the version.
    // Returns false, changing nothing, when the document is not open.
    // Throws ArgumentException: An edit's range is invalid, or the version is not newer than the document's
    // (a stale or replayed change); the document keeps its previous text.
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

            if (id.Version <= current.Version)
            {
                throw new ArgumentException(
                    $"Version {id.Version} of {id.Uri} is not newer than its current version {current.Version}.", nameof(id));
            }

            string text = current.Text;
            foreach (TextDocumentContentChangeEvent change in changes)
            {
                text = change.Range is null ? change.Text : TextEdits.Apply(text, change.Range, change.Text, Encoding);
            }

            updated = current with { Version = id.Version, Text = text };
            _documents[id.Uri] = updated;
            _lastEdit[id.Uri] = ++_edits;
            return true;
        }
    }

    // Forgets a document; false when it was not open.
    public bool Close(string uri)
    {
        lock (_gate)
        {
            _lastEdit.Remove(uri);
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

    // The open documents edited since they were opened.
    public IReadOnlySet<string> EditedUris()
    {
        lock (_gate)
        {
            return new HashSet<string>(_lastEdit.Keys, StringComparer.Ordinal);
        }
    }

    // Snapshots of all open documents, the most recently edited first, then those never edited since they
    // were opened (in URI order, so the result is deterministic).
    public IReadOnlyList<OpenDocument> ByRecentEdit()
    {
        lock (_gate)
        {
            return [.. _documents.Values
                .OrderByDescending(d => _lastEdit.GetValueOrDefault(d.Uri))
                .ThenBy(d => d.Uri, StringComparer.Ordinal)];
        }
    }
}
