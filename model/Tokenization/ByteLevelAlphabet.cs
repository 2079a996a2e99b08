namespace CodeGen.Model.Tokenization;

/// <summary>
/// The GPT-2 byte-level alphabet: a bijection between the 256 byte values and 256 printable
/// characters, so that byte-level BPE tokens can be stored as strings in tokenizer.json.
/// Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other 68 bytes
/// map, in byte order, to U+0100 upwards (so space, 0x20, is 'Ġ' and newline, 0x0A, is 'Ċ').
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();

    // Indexed by character; -1 where the character is not in the alphabet. The largest symbol is U+0143.
    private static readonly short[] CharToByteTable = BuildCharToByte(ByteToCharTable);

    /// <summary>The symbol that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => ByteToCharTable[value];

    /// <summary>The byte that <paramref name="symbol"/> stands for; false if it is not in the alphabet.</summary>
    public static bool TryToByte(char symbol, out byte value)
    {
        if (symbol < CharToByteTable.Length && CharToByteTable[symbol] >= 0)
        {
            value = (byte)CharToByteTable[symbol];
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>The symbols for <paramref name="bytes"/>, one character per byte.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        string.Create(bytes.Length, bytes, static (chars, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                chars[i] = ByteToCharTable[source[i]];
            }
        });

    /// <summary>
    /// The bytes that <paramref name="symbols"/> stand for, or null if any character is outside the alphabet.
    /// </summary>
    public static byte[]? Decode(ReadOnlySpan<char> symbols)
    {
        byte[] bytes = new byte[symbols.Length];
        for (int i = 0; i < symbols.Length; i++)
        {
            if (!TryToByte(symbols[i], out bytes[i]))
            {
                return null;
            }
        }

        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        short[] table = new short[byteToChar.Max() + 1];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < byteToChar.Length; b++)
        {
            table[byteToChar[b]] = (short)b;
        }

        return table;
    }
}
