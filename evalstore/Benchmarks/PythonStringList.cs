using System.Text;

namespace CodeGen.Eval.Benchmarks;

// Parses a Python list of string literals as MultiPL-E writes stop_tokens: "['\n    }\n']".
internal static class PythonStringList
{
    public static List<string> Parse(string literal)
    {
        var items = new List<string>();
        string text = literal.Trim();
        if (text.Length < 2 || text[0] != '[' || text[^1] != ']')
        {
            throw new BenchmarkFormatException($"Not a Python list literal: {literal}");
        }

        int i = 1;
        while (i < text.Length - 1)
        {
            char c = text[i];
            if (c is ' ' or ',')
            {
                i++;
                continue;
            }

            if (c is not ('\'' or '"'))
            {
                throw new BenchmarkFormatException($"Expected a string at offset {i} of {literal}");
            }

            var item = new StringBuilder();
            i++;
            while (i < text.Length && text[i] != c)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    item.Append(text[i] switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        _ => text[i],
                    });
                }
                else
                {
                    item.Append(text[i]);
                }

                i++;
            }

            if (i >= text.Length)
            {
                throw new BenchmarkFormatException($"Unterminated string in {literal}");
            }

            items.Add(item.ToString());
            i++;
        }

        return items;
    }
}
