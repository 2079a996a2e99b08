using System.Text.Json;
using CodeGen.Model.Tokenization;
using CodeGen.Server.OpenAi;
using CodeGen.TestUtils;

namespace CodeGen.Server.Tests.Constraints;

// Fill-in-the-middle with a constraint: the constraint continues the code before the cursor (docs/CONSTRAINTS.md says
// why the suffix does not change which prefixes are viable); the model still sees prefix and suffix.
public sealed class FimConstraintTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTokenizer.Load(Path.Combine(Fixtures.BundledModel, "tokenizer.json"));

    private static CompletionRequest Parse(object body) =>
        CompletionRequestParser.Parse(JsonSerializer.SerializeToElement(body), ["codegen-tiny"], 8192, 2048, Tokenizer);

    [Fact]
    public void Suffix_WithCSharpConstraint_ConstraintJudgesThePrefixAndTheModelSeesBoth()
    {
        const string prefix = "int Add(int a, int b)\n{\n    return ";
        const string suffix = "\n}\n";
        CompletionRequest request = Parse(new { prompt = prefix, suffix, constrain = "csharp" });
        Assert.Equal(prefix, request.ConstraintContext);
        Assert.Equal("csharp", request.Constraint!.Name);
        var ids = request.PromptIds.ToList();
        Assert.Equal(Tokenizer.FimPrefixId, ids[0]);
        Assert.Equal(Tokenizer.FimMiddleId, ids[^1]);
        Assert.Contains(Tokenizer.FimSuffixId!.Value, ids);
    }

    [Fact]
    public void Suffix_WithAPrefixThatCannotBeContinued_Is400NamingTheDiagnostic()
    {
        var e = Assert.Throws<RequestValidationException>(() => Parse(new { prompt = "int x = 1;)", suffix = "\n", constrain = "csharp" }));
        Assert.StartsWith("constrain: the prompt is not the beginning of valid csharp code (CS", e.Message);
    }

    [Fact]
    public void Suffix_WithPythonConstraint_ConstraintJudgesThePrefix()
    {
        const string prefix = "def add(a, b):\n    return ";
        CompletionRequest request = Parse(new { prompt = prefix, suffix = "\n\nprint(add(1, 2))\n", constrain = "python" });
        Assert.Equal(prefix, request.ConstraintContext);
        Assert.True(request.Constraint!.Begin(request.ConstraintContext).Check("a + b").Viable);
        Assert.False(request.Constraint!.Begin(request.ConstraintContext).Check("a + b)").Viable);
    }
}
