using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Protocol;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

// textDocument/inlineCompletion (LSP 3.18, ghost text) and textDocument/completion (a list of one item, for
// clients without inline completion): both serve the same suggestion. A superseded request answers an empty
// result; one cancelled with $/cancelRequest answers RequestCancelled (StreamJsonRpc does that when the
// handler's token fires).
internal sealed class CompletionHandler(ServerLifecycle lifecycle, CompletionEngine engine)
{
    [JsonRpcMethod("textDocument/inlineCompletion", UseSingleObjectParameterDeserialization = true)]
    public async Task<InlineCompletionList> InlineCompletionAsync(InlineCompletionParams parameters, CancellationToken cancellationToken)
    {
        lifecycle.EnsureServing();
        bool invoked = parameters.Context?.TriggerKind == InlineCompletionTriggerKind.Invoked;
        Suggestion? suggestion = await engine.SuggestAsync(parameters.TextDocument.Uri, parameters.Position, invoked, cancellationToken);
        return new InlineCompletionList(suggestion is null ? [] : [new InlineCompletionItem(suggestion.Text, suggestion.Range, suggestion.Text)]);
    }

    [JsonRpcMethod("textDocument/completion", UseSingleObjectParameterDeserialization = true)]
    public async Task<CompletionList> CompletionAsync(CompletionParams parameters, CancellationToken cancellationToken)
    {
        lifecycle.EnsureServing();
        bool invoked = parameters.Context?.TriggerKind == InlineCompletionTriggerKind.Invoked;
        Suggestion? suggestion = await engine.SuggestAsync(parameters.TextDocument.Uri, parameters.Position, invoked, cancellationToken);
        if (suggestion is null)
        {
            return new CompletionList(IsIncomplete: true, []);
        }

        string label = suggestion.Text.TrimStart('\n', '\r').Split('\n')[0].Trim();
        var item = new CompletionItem(
            Label: label.Length == 0 ? suggestion.Text.Trim() : label,
            Kind: CompletionItemKind.Text,
            Detail: "CodeGen",
            InsertText: suggestion.Text,
            InsertTextFormat: 1,
            TextEdit: new TextEdit(suggestion.Range, suggestion.Text),
            FilterText: suggestion.Text);
        return new CompletionList(IsIncomplete: true, [item]);
    }
}
