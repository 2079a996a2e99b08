using System.Text;
using System.Text.Json;

namespace CodeGen.Server.OpenAi;

/// <summary>Renders chat messages in ChatML (the Qwen2 chat template): &lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n ... then the assistant's turn.</summary>
internal static class ChatMl
{
    public const string End = "<|im_end|>";

    public static string Render(JsonElement messages)
    {
        var text = new StringBuilder();
        int index = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String
                || !message.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
            {
                throw new RequestValidationException($"messages[{index}] must be an object with string role and content");
            }
            text.Append("<|im_start|>").Append(role.GetString()).Append('\n').Append(content.GetString()).Append(End).Append('\n');
            index++;
        }
        return text.Append("<|im_start|>assistant\n").ToString();
    }
}
