namespace CodeGen.Lsp.Completion;

// Picks passages of other files for a prompt: files of the cursor's language only; each file's window that
// shares the most identifiers with the lines around the cursor (Jaccard), if it shares any; documents edited
// in this session first (most recent first), then the other open documents and workspace files by score.
// Pure and quick (a few milliseconds over thousands of windows), and run beside the debounce delay.
internal static class ContextRetriever
{
    // Lines around the cursor whose identifiers make the query.
    public const int LinesBefore = 12;
    public const int LinesAfter = 4;

    // At most this many passages per prompt.
    public const int MaxSnippets = 4;

    // Passages for a prompt about current at offset, at most budgetChars long in all (path comments included),
    // ordered so that the most relevant comes last (nearest the cursor).
    public static IReadOnlyList<ContextSnippet> Retrieve(
        OpenDocument current,
        int offset,
        IReadOnlyList<OpenDocument> openByRecentEdit,
        IReadOnlySet<string> editedUris,
        IReadOnlyList<IndexedFile> workspace,
        string? workspaceRoot,
        int budgetChars)
    {
        if (budgetChars <= 0)
        {
            return [];
        }

        HashSet<string> query = Identifiers.Of(Around(current.Text, offset));
        if (query.Count == 0)
        {
            return [];
        }

        var edited = new List<(string Path, ContextWindow Window, double Score)>();
        var others = new List<(string Path, ContextWindow Window, double Score)>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { FullPath(current.Uri) ?? current.Uri };
        foreach (OpenDocument document in openByRecentEdit)
        {
            if (document.Uri == current.Uri || document.LanguageId != current.LanguageId)
            {
                continue;
            }

            string full = FullPath(document.Uri) ?? document.Uri;
            seen.Add(full);
            if (Best(ContextWindow.Split(document.Text), query) is { } best)
            {
                (editedUris.Contains(document.Uri) ? edited : others).Add((DisplayPath(document.Uri, workspaceRoot), best.Window, best.Score));
            }
        }

        foreach (IndexedFile file in workspace)
        {
            if (file.LanguageId != current.LanguageId || seen.Contains(file.FullPath))
            {
                continue;
            }

            if (Best(file.Windows, query) is { } best)
            {
                others.Add((file.Path, best.Window, best.Score));
            }
        }

        string comment = Languages.LineComment(current.LanguageId);
        var chosen = new List<ContextSnippet>();
        int used = 0;
        foreach ((string path, ContextWindow window, _) in edited.Concat(others.OrderByDescending(o => o.Score)))
        {
            var snippet = new ContextSnippet(path, window.Text);
            int size = PromptBuilder.Render(snippet, comment).Length;
            if (used + size > budgetChars)
            {
                continue;
            }

            chosen.Add(snippet);
            used += size;
            if (chosen.Count == MaxSnippets)
            {
                break;
            }
        }

        chosen.Reverse();
        return chosen;
    }

    // The file system path of a file: URI, or null for other URIs.
    public static string? FullPath(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed) && parsed.IsFile ? Path.GetFullPath(parsed.LocalPath) : null;

    // A document's path as its path comment shows it: relative to the workspace root when under it.
    public static string DisplayPath(string uri, string? workspaceRoot)
    {
        if (FullPath(uri) is not { } full)
        {
            return uri;
        }

        if (workspaceRoot is not null)
        {
            string relative = Path.GetRelativePath(workspaceRoot, full);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return relative.Replace('\\', '/');
            }
        }

        return Path.GetFileName(full);
    }

    private static (ContextWindow Window, double Score)? Best(IReadOnlyList<ContextWindow> windows, HashSet<string> query)
    {
        (ContextWindow Window, double Score)? best = null;
        foreach (ContextWindow window in windows)
        {
            double score = Identifiers.Jaccard(query, window.Identifiers);
            if (score > 0 && (best is null || score > best.Value.Score))
            {
                best = (window, score);
            }
        }

        return best;
    }

    // The text of the lines around offset.
    private static string Around(string text, int offset)
    {
        int start = offset;
        for (int lines = 0; start > 0 && lines <= LinesBefore; start--)
        {
            if (text[start - 1] == '\n')
            {
                lines++;
            }
        }

        int end = offset;
        for (int lines = 0; end < text.Length && lines <= LinesAfter; end++)
        {
            if (text[end] == '\n')
            {
                lines++;
            }
        }

        return text[start..end];
    }
}
