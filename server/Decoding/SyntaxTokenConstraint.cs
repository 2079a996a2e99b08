using System.Diagnostics;
using System.Text.Unicode;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Constraints;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Decoding;

/// <summary>
/// A syntax constraint in the sampler's slot: a token is allowed when the text it adds keeps the code viable
/// (<see cref="IPrefixChecker"/>). Tokens are judged by their bytes: a token that ends inside a UTF-8 character
/// holds its bytes until the character completes. Stop tokens (EOS) are always allowed; other special tokens never
/// (they are not code). Counts rejections and the time each check takes.
/// </summary>
internal sealed class SyntaxTokenConstraint : ITokenConstraint
{
    private readonly IPrefixChecker _checker;
    private readonly BpeTokenizer _tokenizer;
    private readonly IReadOnlyList<int> _stopTokens;
    private readonly EngineMetrics? _metrics;
    private readonly List<(int TextLength, byte[] Pending)> _undo = [];
    private byte[] _pending = [];
    private char[] _chars = new char[64];
    private long _tokenTicks; // constraint time spent on the token being chosen (Stopwatch ticks)

    public SyntaxTokenConstraint(IPrefixChecker checker, BpeTokenizer tokenizer, IReadOnlyList<int> stopTokens, EngineMetrics? metrics)
    {
        _checker = checker;
        _tokenizer = tokenizer;
        _stopTokens = stopTokens;
        _metrics = metrics;
        ContextLength = checker.Text.Length;
    }

    /// <summary>Characters of the context (the code before the cursor) at the start of the checker's text.</summary>
    public int ContextLength { get; }

    /// <summary>Where the completion is finished, in characters of generated text, or null (see <see cref="IPrefixChecker.CompletedAt"/>).</summary>
    public int? CompletedAt => _checker.CompletedAt is int at ? at - ContextLength : null;

    public bool Allows(int token)
    {
        long start = Stopwatch.GetTimestamp();
        bool allowed = Judge(token);
        _tokenTicks += Stopwatch.GetTimestamp() - start;
        return allowed;
    }

    private bool Judge(int token)
    {
        if (_stopTokens.Contains(token)) return true;
        if (_tokenizer.SpecialTokenIds.Contains(token))
        {
            _metrics?.ConstraintRejected();
            return false;
        }
        (string text, _) = Decode(token);
        if (text.Length == 0) return true; // inside a UTF-8 character: judged when it completes
        long start = Stopwatch.GetTimestamp();
        PrefixVerdict verdict = _checker.Check(text);
        _metrics?.ConstraintCheck(Stopwatch.GetElapsedTime(start), verdict.Viable);
        return verdict.Viable;
    }

    public void Accept(int token)
    {
        long start = Stopwatch.GetTimestamp();
        _undo.Add((_checker.Text.Length, _pending));
        if (!_stopTokens.Contains(token) && !_tokenizer.SpecialTokenIds.Contains(token))
        {
            (string text, byte[] pending) = Decode(token);
            _checker.Append(text);
            _pending = pending;
        }
        long ticks = _tokenTicks + Stopwatch.GetTimestamp() - start;
        _tokenTicks = 0;
        _metrics?.ConstraintTokenTime(TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency));
    }

    /// <summary>Forgets the accepted tokens from <paramref name="count"/> on (drafts judged, then rejected).</summary>
    public void Rollback(int count)
    {
        if (count >= _undo.Count) return;
        (int length, byte[] pending) = _undo[count];
        _undo.RemoveRange(count, _undo.Count - count);
        _checker.Truncate(length);
        _pending = pending;
    }

    // The complete characters that the token's bytes (after any held bytes) make, and the bytes of an unfinished one.
    private (string Text, byte[] Pending) Decode(int token)
    {
        ReadOnlySpan<byte> tokenBytes = _tokenizer.TokenBytes(token);
        byte[] bytes = new byte[_pending.Length + tokenBytes.Length];
        _pending.CopyTo(bytes, 0);
        tokenBytes.CopyTo(bytes.AsSpan(_pending.Length));
        if (_chars.Length < bytes.Length) _chars = new char[bytes.Length * 2];
        Utf8.ToUtf16(bytes, _chars, out int read, out int written, replaceInvalidSequences: true, isFinalBlock: false);
        return (new string(_chars, 0, written), bytes[read..]);
    }
}
