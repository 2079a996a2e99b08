using System.Security.Cryptography;
using System.Text;

namespace CodeGen.Eval.Storage;

/// <summary>The prompt hash stored with each sample: the first 16 hex digits of the prompt's UTF-8 SHA-256.</summary>
public static class PromptHash
{
    /// <summary>The hash of <paramref name="prompt"/>.</summary>
    public static string Of(string prompt) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prompt)))[..16];
}
