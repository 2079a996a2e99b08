namespace CodeGen.Eval.Execution;

// The result of compiling one C# program: the assembly image, or the error diagnostics.
internal sealed record CSharpCompilationResult(byte[]? Assembly, string Diagnostics, TimeSpan Duration)
{
    public bool Succeeded => Assembly is not null;
}
