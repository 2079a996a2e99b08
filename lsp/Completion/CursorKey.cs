namespace CodeGen.Lsp.Completion;

// Where a suggestion was made: the document, the settings that shape it, the cursor's offset and the text
// either side (the prompt's prefix and suffix windows). Another cursor continues it when it is in the same
// document with the same settings, the same text after it, and the same text before it followed by what was
// typed since (Typed).
internal sealed record CursorKey(string Uri, string SettingsKey, int Offset, string Prefix, string Suffix)
{
    // The window sizes compared: enough text to tell two places apart, independent of the prompt's budget.
    public const int PrefixChars = 1024;
    public const int SuffixChars = 256;

    public static CursorKey At(string uri, string settingsKey, string text, int offset) => new(
        uri,
        settingsKey,
        offset,
        text[Math.Max(0, offset - PrefixChars)..offset],
        text[offset..Math.Min(text.Length, offset + SuffixChars)]);

    // What was typed between this cursor and later, or null when later does not continue this one.
    public string? Typed(CursorKey later)
    {
        if (later.Uri != Uri || later.SettingsKey != SettingsKey || later.Suffix != Suffix || later.Offset < Offset)
        {
            return null;
        }

        int typedLength = later.Offset - Offset;
        if (typedLength > later.Prefix.Length)
        {
            return null;
        }

        // The later prefix window may start later in the text (it keeps a fixed size): compare the overlap.
        string laterBefore = later.Prefix[..^typedLength];
        int overlap = Math.Min(laterBefore.Length, Prefix.Length);
        return laterBefore.AsSpan(laterBefore.Length - overlap).SequenceEqual(Prefix.AsSpan(Prefix.Length - overlap))
            ? later.Prefix[^typedLength..]
            : null;
    }
}
