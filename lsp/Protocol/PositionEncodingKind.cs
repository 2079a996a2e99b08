namespace CodeGen.Lsp.Protocol;

// LSP 3.17's position encodings that we serve: what a Position's character counts.
internal static class PositionEncodingKind
{
    public const string Utf8 = "utf-8";

    public const string Utf16 = "utf-16";
}
