using Microsoft.Extensions.Logging;

namespace CodeGen.Lsp.Completion;

// The code files of the workspace folder, read once in the background after initialize (never on the
// keystroke path): until the read finishes, Files is empty and prompts use open documents only. Bounded:
// at most MaxFiles files of at most MaxFileBytes each; build output, VCS and dependency folders are skipped.
internal sealed class WorkspaceIndex(ILogger logger)
{
    public const int MaxFiles = 5_000;
    public const long MaxFileBytes = 256 * 1024;

    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "bin", "obj", "node_modules", ".vs", ".idea", "__pycache__", ".venv", "venv", "target", "dist",
    };

    private volatile IReadOnlyList<IndexedFile> _files = [];

    // The files read so far, the most recently modified first.
    public IReadOnlyList<IndexedFile> Files => _files;

    // Completes when the background read has finished (or failed, which is logged).
    public Task Loaded { get; private set; } = Task.CompletedTask;

    public void Start(string root, CancellationToken cancellationToken)
    {
        Loaded = Task.Run(() => Load(root, cancellationToken), cancellationToken);
    }

    private void Load(string root, CancellationToken cancellationToken)
    {
        try
        {
            var files = new List<IndexedFile>();
            foreach (string path in Enumerate(root))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Languages.FromPath(path) is not { } language)
                {
                    continue;
                }

                var info = new FileInfo(path);
                if (info.Length > MaxFileBytes)
                {
                    continue;
                }

                string text = File.ReadAllText(path);
                string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
                files.Add(new IndexedFile(relative, Path.GetFullPath(path), language, info.LastWriteTimeUtc, ContextWindow.Split(text)));
                if (files.Count >= MaxFiles)
                {
                    break;
                }
            }

            _files = [.. files.OrderByDescending(f => f.Modified).ThenBy(f => f.Path, StringComparer.Ordinal)];
            LogMessages.WorkspaceIndexed(logger, root, files.Count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogMessages.WorkspaceIndexFailed(logger, root, e);
        }
    }

    private static IEnumerable<string> Enumerate(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string folder = pending.Pop();
            string[] files;
            string[] folders;
            try
            {
                files = Directory.GetFiles(folder);
                folders = Directory.GetDirectories(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable folder holds no context; the rest of the tree still does.
                continue;
            }

            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                yield return file;
            }

            Array.Sort(folders, StringComparer.Ordinal);
            foreach (string sub in folders.Reverse())
            {
                if (!SkippedFolders.Contains(Path.GetFileName(sub)))
                {
                    pending.Push(sub);
                }
            }
        }
    }
}
