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
/// holds its bytes until the character completes. Stop tokens (EOS) are allowed once the code is finished; other
/// special tokens never (they are not code). Counts rejections and the time each check takes.
/// <para>
/// Closing (with a token budget, i.e. not for fill-in-the-middle): the constraint writes the end of the code itself
/// (<see cref="IPrefixChecker.Closer"/>, tokenized and then forced one token at a time) when the model's budget would
/// run out before the code is finished, when the model ends (EOS) before it is finished, or when no candidate the model
/// offers is allowed. A completion then ends finished instead of cut off mid-statement, and says why in
/// <see cref="ClosedBecause"/>. The budget check runs in the last <see cref="CloseWindow"/> tokens: closing starts when
/// the closer's tokens plus <see cref="CloseMargin"/> (what one more model token may add to it) no longer fit.
/// </para>
/// </summary>
internal sealed class SyntaxTokenConstraint : ITokenConstraint
{
    private readonly IPrefixChecker _checker;
    private readonly BpeTokenizer _tokenizer;
    private readonly IReadOnlyList<int> _stopTokens;
    private readonly EngineMetrics? _metrics;
    /// <summary>Tokens before the end of the budget from which the closer is computed after every token.</summary>
    public const int CloseWindow = 48;

    /// <summary>Tokens of slack kept beyond the closer's own (one model token can open a bracket, a string and a block).</summary>
    public const int CloseMargin = 4;

    private readonly int? _maxTokens;
    private readonly List<Undo> _undo = [];
    private byte[] _pending = [];
    private IReadOnlyList<int>? _forced; // the closer's tokens while closing
    private int _forcedNext;
    private string? _closedBecause;
    private char[] _chars = new char[64];
    private long _tokenTicks; // constraint time spent on the token being chosen (Stopwatch ticks)

    /// <param name="maxTokens">The sequence's token budget: the constraint closes the code within it; null never closes (fill-in-the-middle).</param>
    public SyntaxTokenConstraint(IPrefixChecker checker, BpeTokenizer tokenizer, IReadOnlyList<int> stopTokens, EngineMetrics? metrics,
        int? maxTokens = null)
    {
        _maxTokens = maxTokens;
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

    /// <summary>The constraint has written the whole closer: the code is finished and the sequence ends.</summary>
    public bool Closed => _forced is { } forced && _forcedNext >= forced.Count;

    /// <summary>Why the constraint wrote the end of the code (for the response's stop_reason), or null when it did not.</summary>
    public string? ClosedBecause => _forced is null ? null : _closedBecause;

    public int? Forced => _forced is { } forced && _forcedNext < forced.Count ? forced[_forcedNext] : null;

    public int? Fallback() => Forced ?? (StartClosing("no token the model offered was allowed") ? Forced : null);

    public bool Allows(int token)
    {
        long start = Stopwatch.GetTimestamp();
        bool allowed = Judge(token);
        _tokenTicks += Stopwatch.GetTimestamp() - start;
        return allowed;
    }

    private bool Judge(int token)
    {
        if (_forced is not null) return token == Forced;
        if (_stopTokens.Contains(token))
        {
            // The model ends before the code is finished: the constraint finishes it instead.
            if (_checker.CompletedAt is null && StartClosing("the model ended before the code was finished")) return false;
            return true;
        }
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
        _undo.Add(new Undo(_checker.Text.Length, _pending, _forced, _forcedNext, _closedBecause));
        if (_forced is not null)
        {
            if (token == Forced) _forcedNext++;
            else _forced = null; // not the closer's token (cannot happen through the sampler): judge afresh
        }
        if (!_stopTokens.Contains(token) && !_tokenizer.SpecialTokenIds.Contains(token))
        {
            (string text, byte[] pending) = Decode(token);
            _checker.Append(text);
            _pending = pending;
        }
        if (_forced is null && _maxTokens is int max && max - _undo.Count is int left && left <= CloseWindow && _checker.CompletedAt is null)
        {
            StartClosing("closed to fit max_tokens", fits: left);
        }
        long ticks = _tokenTicks + Stopwatch.GetTimestamp() - start;
        _tokenTicks = 0;
        _metrics?.ConstraintTokenTime(TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency));
    }

    /// <summary>Forgets the accepted tokens from <paramref name="count"/> on (drafts judged, then rejected).</summary>
    public void Rollback(int count)
    {
        if (count >= _undo.Count) return;
        Undo undo = _undo[count];
        _undo.RemoveRange(count, _undo.Count - count);
        _checker.Truncate(undo.TextLength);
        _pending = undo.Pending;
        (_forced, _forcedNext, _closedBecause) = (undo.Forced, undo.ForcedNext, undo.ClosedBecause);
    }

    // Starts writing the closer when closing is on and the checker has one; with fits, only when the closer's tokens plus
    // the margin no longer fit in that many tokens (the budget check). Not inside a UTF-8 character.
    private bool StartClosing(string because, int? fits = null)
    {
        if (_maxTokens is null || _forced is not null || _pending.Length > 0) return false;
        long start = Stopwatch.GetTimestamp();
        string? closer = _checker.Closer();
        _tokenTicks += Stopwatch.GetTimestamp() - start;
        if (closer is null) return false;
        IReadOnlyList<int> tokens = closer.Length == 0 ? [] : _tokenizer.Encode(closer, parseSpecialTokens: false);
        if (fits is int left && tokens.Count + CloseMargin < left) return false;
        if (fits is null && tokens.Count == 0) return false; // finished already: the model's own end stands
        _forced = tokens;
        _forcedNext = 0;
        _closedBecause = $"constraint: {because}; the constraint wrote the end of the code";
        return true;
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

    private sealed record Undo(int TextLength, byte[] Pending, IReadOnlyList<int>? Forced, int ForcedNext, string? ClosedBecause);
}
