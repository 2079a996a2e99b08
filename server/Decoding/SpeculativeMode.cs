namespace CodeGen.Server.Decoding;

/// <summary>A request's <c>speculative</c> field: how drafts are proposed for the target model to verify.</summary>
internal enum SpeculativeMode
{
    /// <summary>Plain decoding, one token per step.</summary>
    None,

    /// <summary>A smaller draft model with the same tokenizer proposes the tokens (<c>--draft-model</c>).</summary>
    Draft,

    /// <summary>Prompt lookup: the tokens that followed an earlier occurrence of the last few tokens.</summary>
    Ngram,
}
