namespace CodeGen.Model.Tokenization;

// An entry of tokenizer.json's added_tokens: text matched literally before pre-tokenization.
// Id: The token id.
// Content: The literal text of the token.
// Special: Whether it is a control token (end of text, FIM markers) rather than ordinary text.
internal sealed record AddedToken(int Id, string Content, bool Special);
