namespace CodeGen.Lsp;

// When a suggestion may span several lines.
internal enum LinePolicy
{
    // One line when the cursor is inside a line (text follows it); several at a line end or in an empty block.
    Auto,

    // Always one line.
    Single,

    // Always several lines allowed (a block ends the suggestion).
    Multi,
}
