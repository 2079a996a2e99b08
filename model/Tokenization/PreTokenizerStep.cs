using System.Text.RegularExpressions;

namespace CodeGen.Model.Tokenization;

// One step of a Hugging Face pre-tokenizer, applied to every piece the previous step produced.
// Split (behavior Isolated) and ByteLevel (add_prefix_space, use_regex) both reduce
// to an optional leading space followed by an optional split that keeps matches and the text
// between them as separate pieces, so no character is ever dropped.
internal sealed class PreTokenizerStep(Regex? isolate, bool addPrefixSpace)
{
    public void Apply(ReadOnlyMemory<char> piece, List<ReadOnlyMemory<char>> output)
    {
        if (addPrefixSpace && (piece.IsEmpty || piece.Span[0] != ' '))
        {
            piece = string.Concat(" ", piece.Span).AsMemory();
        }

        if (isolate is null)
        {
            output.Add(piece);
            return;
        }

        int position = 0;
        foreach (ValueMatch match in isolate.EnumerateMatches(piece.Span))
        {
            if (match.Length == 0)
            {
                continue;
            }

            if (match.Index > position)
            {
                output.Add(piece[position..match.Index]);
            }

            output.Add(piece.Slice(match.Index, match.Length));
            position = match.Index + match.Length;
        }

        if (position < piece.Length)
        {
            output.Add(piece[position..]);
        }
    }
}
