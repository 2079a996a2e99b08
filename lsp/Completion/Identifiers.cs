using System.Text.RegularExpressions;

namespace CodeGen.Lsp.Completion;

// The identifiers of a piece of code, as a set: what context retrieval compares. Words shorter than three
// characters and the keywords every file shares say nothing about relevance and are left out.
internal static partial class Identifiers
{
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "abstract", "and", "async", "await", "base", "bool", "break", "case", "catch", "class", "const", "continue",
        "def", "default", "del", "elif", "else", "enum", "false", "for", "foreach", "from", "get", "if", "import",
        "int", "interface", "internal", "lambda", "new", "none", "not", "null", "object", "override", "pass",
        "private", "protected", "public", "readonly", "record", "return", "sealed", "self", "set", "static",
        "string", "struct", "switch", "the", "this", "throw", "true", "try", "using", "var", "void", "while",
        "with", "yield", "None", "True", "False", "namespace", "long", "double", "char", "byte",
    };

    public static HashSet<string> Of(string code)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (ValueMatch match in Word().EnumerateMatches(code))
        {
            if (match.Length >= 3)
            {
                string word = code.Substring(match.Index, match.Length);
                if (!Common.Contains(word))
                {
                    set.Add(word);
                }
            }
        }

        return set;
    }

    // |a ∩ b| / |a ∪ b|; 0 when both are empty.
    public static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 0;
        }

        (HashSet<string> small, HashSet<string> large) = a.Count <= b.Count ? (a, b) : (b, a);
        int shared = 0;
        foreach (string word in small)
        {
            if (large.Contains(word))
            {
                shared++;
            }
        }

        return (double)shared / (a.Count + b.Count - shared);
    }

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Word();
}
