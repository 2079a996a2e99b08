using System.Buffers;
using System.Text;

namespace CodeGen.Model.Tokenization;

/// <summary>
/// Decodes a stream of token ids into text as they arrive. A character whose UTF-8 bytes are
/// spread over several tokens is returned only once all of its bytes are in, so no returned
/// string ever ends in half a character. Not thread-safe: one instance per generation stream.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly BpeTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private byte[] _pending = new byte[16];
    private int _pendingLength;

    internal StreamingDecoder(BpeTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>
    /// Adds the token <paramref name="id"/> and returns the text completed by it: every whole
    /// character not returned before. The bytes of a character still incomplete are kept for the
    /// next call. Bytes that can never form a character come out as U+FFFD.
    /// </summary>
    public string Push(int id)
    {
        ReadOnlySpan<byte> bytes = _tokenizer.GetTokenBytes(id, _skipSpecialTokens);
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (_pendingLength + bytes.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + bytes.Length));
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;

        int complete = CompleteLength(_pending.AsSpan(0, _pendingLength));
        string text = Encoding.UTF8.GetString(_pending, 0, complete);
        _pending.AsSpan(complete, _pendingLength - complete).CopyTo(_pending);
        _pendingLength -= complete;
        return text;
    }

    /// <summary>Returns whatever is still held (an incomplete character becomes U+FFFD) and empties the decoder.</summary>
    public string Flush()
    {
        string text = Encoding.UTF8.GetString(_pending, 0, _pendingLength);
        _pendingLength = 0;
        return text;
    }

    // Length of the prefix of bytes that can be decoded now: all of it, unless it ends in the
    // first 1 to 3 bytes of a valid multi-byte sequence.
    private static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // A UTF-8 sequence is at most 4 bytes, so an unfinished one starts within the last 3.
        for (int start = bytes.Length - 1; start >= Math.Max(0, bytes.Length - 3); start--)
        {
            if ((bytes[start] & 0xC0) != 0x80)
            {
                // The last byte that is not a continuation byte starts the final sequence.
                OperationStatus status = System.Text.Rune.DecodeFromUtf8(bytes[start..], out _, out _);
                return status == OperationStatus.NeedMoreData ? start : bytes.Length;
            }
        }

        return bytes.Length;
    }
}
