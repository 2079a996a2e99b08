namespace CodeGen.Model.Tokenization;

/// <summary>
/// An entry of tokenizer.json's <c>added_tokens</c>: text matched literally before pre-tokenization.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The literal text of the token.</param>
/// <param name="Special">Whether it is a control token (end of text, FIM markers) rather than ordinary text.</param>
internal sealed record AddedToken(int Id, string Content, bool Special);
