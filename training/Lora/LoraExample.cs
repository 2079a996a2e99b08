namespace CodeGen.Training.Lora;

/// <summary>
/// One training sequence: <see cref="Ids"/> (at most seq-len + 1 of them), of which those from
/// <see cref="FirstTarget"/> on are predicted (the loss counts them): 1 for packed code (every token after the first),
/// the prompt's length for a prompt/completion pair (the loss is on the completion only).
/// </summary>
internal sealed record LoraExample(int[] Ids, int FirstTarget)
{
    /// <summary>Tokens the loss counts.</summary>
    public int Targets => Ids.Length - FirstTarget;
}
