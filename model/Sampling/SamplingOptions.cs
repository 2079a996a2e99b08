namespace CodeGen.Model.Sampling;

/// <summary>How the next token is chosen from the logits.</summary>
public sealed record SamplingOptions
{
    /// <summary>Greedy decoding (argmax).</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Softmax temperature; 0 means greedy. Default 1.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the K most likely tokens; 0 disables. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches P (nucleus); 1 disables. Default 1.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>CTRL-style penalty on tokens already in the sequence, prompt included (logit / p if positive, · p if negative); 1 disables. Default 1.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>OpenAI presence penalty: subtracted once from the logit of every token already generated. In [-2, 2]; default 0.</summary>
    public double PresencePenalty { get; init; }

    /// <summary>OpenAI frequency penalty: subtracted from a token's logit once per time it was generated. In [-2, 2]; default 0.</summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>OpenAI logit_bias: added to the logits of the given token ids (-100 bans, 100 forces in practice). Default none.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Random seed; the same seed gives the same tokens. Null draws from a random seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Whether this picks the argmax.</summary>
    public bool IsGreedy => Temperature == 0 || TopK == 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be >= 0, got {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top_k must be >= 0, got {TopK}");
        if (double.IsNaN(TopP) || TopP <= 0 || TopP > 1) throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
        if (double.IsNaN(RepetitionPenalty) || RepetitionPenalty <= 0) throw new ArgumentException($"repetition_penalty must be > 0, got {RepetitionPenalty}");
        if (!(PresencePenalty is >= -2 and <= 2)) throw new ArgumentException($"presence_penalty must be in [-2, 2], got {PresencePenalty}");
        if (!(FrequencyPenalty is >= -2 and <= 2)) throw new ArgumentException($"frequency_penalty must be in [-2, 2], got {FrequencyPenalty}");
        if (LogitBias is not null)
        {
            foreach ((int token, float bias) in LogitBias)
            {
                if (token < 0) throw new ArgumentException($"logit_bias: token id {token} is negative");
                if (!(bias is >= -100 and <= 100)) throw new ArgumentException($"logit_bias[{token}] must be in [-100, 100], got {bias}");
            }
        }
    }
}
