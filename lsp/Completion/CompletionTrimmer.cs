namespace CodeGen.Lsp.Completion;

// Cuts what the model wrote to what fits the cursor: one line inside a line; in a block, the lines up to the
// first one that leaves the cursor's block (less indented than the cursor's line); and in both, what the
// text after the cursor already holds (the closing ");" the editor typed, the "}" below an empty block).
internal static class CompletionTrimmer
{
    public static string Trim(string completion, CompletionShape shape, string suffix)
    {
        completion = completion.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!shape.MultiLine)
        {
            int lineBreak = completion.IndexOf('\n', StringComparison.Ordinal);
            string line = (lineBreak < 0 ? completion : completion[..lineBreak]).TrimEnd();
            return TrimRestOfLine(line, shape);
        }

        string[] lines = completion.Split('\n');
        int indent = Indentation(shape.LinePrefix);
        int keep = lines.Length;
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length > 0 && Indentation(lines[i]) < indent)
            {
                keep = i;
                break;
            }
        }

        List<string> kept = [.. lines.Take(keep).Select(l => l.TrimEnd())];
        while (kept.Count > 1 && kept[^1].Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        // The suggestion's last lines that the suffix's first non-blank lines repeat (a closing brace) go.
        string[] following = [.. suffix.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).Take(kept.Count)];
        for (int n = Math.Min(following.Length, kept.Count - 1); n > 0; n--)
        {
            if (kept.Skip(kept.Count - n).Select(l => l.Trim()).SequenceEqual(following.Take(n)))
            {
                kept.RemoveRange(kept.Count - n, n);
                break;
            }
        }

        if (kept.Count == 1)
        {
            kept[0] = TrimRestOfLine(kept[0], shape);
        }

        return string.Join('\n', kept).TrimEnd();
    }

    // Drops the longest end of line that the rest of the cursor line starts with, when that leaves the line's
    // brackets no less balanced: "b));" before ");" becomes "b)", but "(b)" before ")" stays.
    private static string TrimRestOfLine(string line, CompletionShape shape)
    {
        string rest = shape.RestOfLine;
        int before = Math.Abs(Balance(shape.LinePrefix + line + rest));
        for (int k = Math.Min(line.Length, rest.Length); k > 0; k--)
        {
            if (line.EndsWith(rest[..k], StringComparison.Ordinal)
                && Math.Abs(Balance(shape.LinePrefix + line[..^k] + rest)) <= before)
            {
                return line[..^k];
            }
        }

        return line;
    }

    // Opening minus closing brackets.
    private static int Balance(string text)
    {
        int balance = 0;
        foreach (char c in text)
        {
            balance += c switch
            {
                '(' or '[' or '{' => 1,
                ')' or ']' or '}' => -1,
                _ => 0,
            };
        }

        return balance;
    }

    private static int Indentation(string line)
    {
        int width = 0;
        foreach (char c in line)
        {
            if (c == ' ')
            {
                width++;
            }
            else if (c == '\t')
            {
                width += 4;
            }
            else
            {
                break;
            }
        }

        return width;
    }
}
