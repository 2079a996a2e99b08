namespace CodeGen.Server.Constraints.Python;

/// <summary>Where the Python scanner is: in code, in a string literal or in a comment.</summary>
internal enum ScanMode : byte
{
    Code,
    String,
    Comment,
}
