using System.IO.Enumeration;
using System.Text;

namespace CodeGen.Training.Tokenizers;

// Finds and reads the source files a tokenizer is trained on.
internal static class CorpusFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The files under directories (recursively, hidden entries and links
    // skipped) whose extension is one of extensions and whose full path matches
    // none of excludes, in ordinal path order, cut off once their sizes add up
    // to maxBytes or more. An exclude is a simple wildcard pattern in which '*'
    // also matches '/', e.g. "*/site-packages/*".
    public static IReadOnlyList<FileInfo> Select(
        IEnumerable<string> directories, IReadOnlyCollection<string> extensions, long? maxBytes, IReadOnlyCollection<string>? excludes = null)
    {
        EnumerationOptions options = new()
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint,
        };
        HashSet<string> wanted = new(extensions, StringComparer.OrdinalIgnoreCase);
        List<FileInfo> files = [.. directories
            .SelectMany(directory => new DirectoryInfo(directory).EnumerateFiles("*", options))
            .Where(file => wanted.Contains(file.Extension))
            .Where(file => excludes is null || !excludes.Any(pattern => FileSystemName.MatchesSimpleExpression(pattern, file.FullName, ignoreCase: false)))
            .DistinctBy(file => file.FullName, StringComparer.Ordinal)
            .OrderBy(file => file.FullName, StringComparer.Ordinal)];

        if (maxBytes is null)
        {
            return files;
        }

        List<FileInfo> selected = [];
        long total = 0;
        foreach (FileInfo file in files)
        {
            if (total >= maxBytes)
            {
                break;
            }

            selected.Add(file);
            total += file.Length;
        }

        return selected;
    }

    // The text of file, or null if it is not valid UTF-8 (a binary or legacy-encoded file).
    public static string? TryReadUtf8(FileInfo file)
    {
        try
        {
            return File.ReadAllText(file.FullName, StrictUtf8);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
