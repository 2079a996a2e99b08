using System.Text.RegularExpressions;

namespace CodeGen.Training.Data;

// Replaces secrets and personal data with placeholders before tokenisation, as StarCoder
// did for The Stack: PEM private keys (<PRIVATE_KEY>); AWS, GitHub, Slack and Google keys
// and high-entropy values assigned to key-like names (<API_KEY>); passwords in connection
// strings and URLs (<PASSWORD>); e-mail addresses (<EMAIL>).
internal static partial class SecretRedactor
{
    public const string PrivateKeyPlaceholder = "<PRIVATE_KEY>";
    public const string ApiKeyPlaceholder = "<API_KEY>";
    public const string PasswordPlaceholder = "<PASSWORD>";
    public const string EmailPlaceholder = "<EMAIL>";

    // A generic key value must have at least this much Shannon entropy per character
    // (bits); identifiers and words stay below it, random tokens go above.
    public const double MinGenericKeyEntropy = 3.5;

    public static RedactionResult Redact(string text)
    {
        Dictionary<SecretKind, int> counts = [];
        string result = text;

        // Cheap pre-checks keep the common case (no candidate at all) to a few IndexOf scans.
        if (result.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            result = Replace(result, PrivateKeyRegex(), SecretKind.PrivateKey, counts, _ => PrivateKeyPlaceholder);
        }

        result = Replace(result, KnownKeyRegex(), SecretKind.ApiKey, counts, _ => ApiKeyPlaceholder);
        result = Replace(result, GenericKeyRegex(), SecretKind.ApiKey, counts, match =>
            IsRandomLooking(match.Groups["value"].Value)
                ? match.Value[..(match.Groups["value"].Index - match.Index)] + ApiKeyPlaceholder + match.Groups["quote"].Value
                : null);
        if (result.Contains('='))
        {
            result = Replace(result, ConnectionStringPasswordRegex(), SecretKind.Password, counts, match =>
                IsPlaceholderValue(match.Groups["value"].Value) ? null : match.Groups["key"].Value + PasswordPlaceholder);
        }

        if (result.Contains("://", StringComparison.Ordinal))
        {
            result = Replace(result, UrlPasswordRegex(), SecretKind.Password, counts, match =>
                IsPlaceholderValue(match.Groups["value"].Value) ? null : match.Groups["prefix"].Value + PasswordPlaceholder + "@");
        }

        if (result.Contains('@'))
        {
            result = Replace(result, EmailRegex(), SecretKind.Email, counts, _ => EmailPlaceholder);
        }

        return new RedactionResult(result, counts);
    }

    // Shannon entropy of value's characters, in bits per character.
    public static double Entropy(string value)
    {
        Dictionary<char, int> frequencies = [];
        foreach (char c in value)
        {
            frequencies[c] = frequencies.GetValueOrDefault(c) + 1;
        }

        return -frequencies.Values.Sum(count => (double)count / value.Length * Math.Log2((double)count / value.Length));
    }

    // A token, not a word or identifier: letters and digits mixed, high entropy.
    private static bool IsRandomLooking(string value) =>
        value.Any(char.IsDigit) && value.Any(char.IsLetter) && Entropy(value) >= MinGenericKeyEntropy;

    // Interpolations and templates ("{0}", "$PASSWORD", "%s", "<PASSWORD>") and masks ("***") are not secrets.
    private static bool IsPlaceholderValue(string value) =>
        value.Length == 0 || value[0] is '{' or '$' or '%' or '<' or '*' or '(' or '[' or '"' or '\'';

    private static string Replace(string text, Regex regex, SecretKind kind, Dictionary<SecretKind, int> counts, Func<Match, string?> replacement)
    {
        int replaced = 0;
        string result = regex.Replace(text, match =>
        {
            string? value = replacement(match);
            if (value is null)
            {
                return match.Value;
            }

            replaced++;
            return value;
        });
        if (replaced > 0)
        {
            counts[kind] = counts.GetValueOrDefault(kind) + replaced;
        }

        return result;
    }

    [GeneratedRegex(@"-----BEGIN (?<type>[A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \k<type>PRIVATE KEY-----")]
    private static partial Regex PrivateKeyRegex();

    // AWS access key ids, GitHub tokens (classic and fine-grained), Slack tokens, Google API keys.
    [GeneratedRegex(@"\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_\-]{35})\b")]
    private static partial Regex KnownKeyRegex();

    // A quoted value of 16+ token characters assigned (=, :, =>) to a key-like name.
    [GeneratedRegex(@"(?i)(?:api[_-]?key|secret[_-]?key|access[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|secret|token)\w*[""']?\s*(?::|=>?)\s*@?(?<quote>[""'])(?<value>[A-Za-z0-9_\-+/=.]{16,})\k<quote>")]
    private static partial Regex GenericKeyRegex();

    // "Password=...;" and "pwd=..." in connection strings: key=value with no spaces, the value
    // ending at ';', a quote or whitespace (so "password=pw)" as a call argument is not one).
    [GeneratedRegex(@"(?i)(?<![\w.])(?<key>(?:password|pwd)=)(?<value>[^;""'\s(),]*)(?=[;""'\s]|$)")]
    private static partial Regex ConnectionStringPasswordRegex();

    // scheme://user:password@host
    [GeneratedRegex(@"(?<prefix>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s""']+:)(?<value>[^@/?#\s""']+)@")]
    private static partial Regex UrlPasswordRegex();

    [GeneratedRegex(@"(?<![\w.%+\-])[A-Za-z0-9._%+\-]+@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}\b")]
    private static partial Regex EmailRegex();
}
