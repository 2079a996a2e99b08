namespace CodeGen.Training.Data;

// Word tokens of source text, as near-deduplication and decontamination compare them:
// maximal runs of letters, digits and '_', each represented by a deterministic 64-bit hash.
internal static class WordTokens
{
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    // The hash of each token of text, in order (equal tokens, equal hashes). If content is
    // given, it receives per token whether it carries content: at least two characters, one
    // of them a letter (not a number, not a single letter such as a loop variable).
    public static List<ulong> Hashes(string text, List<bool>? content = null)
    {
        List<ulong> hashes = new(text.Length / 6);
        ulong hash = 0;
        int length = 0;
        bool letter = false;
        foreach (char c in text)
        {
            if (IsWordChar(c))
            {
                hash = length > 0 ? (hash ^ c) * FnvPrime : (FnvOffset ^ c) * FnvPrime;
                letter = (length > 0 && letter) || char.IsLetter(c);
                length++;
            }
            else if (length > 0)
            {
                hashes.Add(Mix(hash));
                content?.Add(letter && length >= 2);
                length = 0;
                letter = false;
            }
        }

        if (length > 0)
        {
            hashes.Add(Mix(hash));
            content?.Add(letter && length >= 2);
        }

        return hashes;
    }

    // One hash for the n tokens starting at start (order matters).
    public static ulong NGramHash(List<ulong> tokens, int start, int n)
    {
        ulong hash = FnvOffset;
        for (int i = start; i < start + n; i++)
        {
            hash = (hash ^ tokens[i]) * FnvPrime;
        }

        return Mix(hash);
    }

    // splitmix64's finalizer: spreads FNV's weak low bits over all 64.
    public static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;
}
