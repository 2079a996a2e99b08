using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace CodeGen.Deploy.Tests;

/// <summary>YAML read into plain maps, lists and strings (merge keys resolved), and paths through them that fail naming the path.</summary>
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of <paramref name="text"/>.</summary>
    public static IReadOnlyList<object> Documents(string text)
    {
        var parser = new MergingParser(new Parser(new StringReader(text)));
        var documents = new List<object>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(Deserializer.Deserialize<object>(parser) ?? throw new InvalidDataException("an empty YAML document"));
        }

        return documents;
    }

    public static object Document(string text) => Documents(text).Single();

    /// <summary>The node at <paramref name="path"/> (keys and list indices separated by '.').</summary>
    public static object At(object node, string path)
    {
        object current = node;
        foreach (string part in path.Split('.'))
        {
            current = current switch
            {
                Dictionary<object, object> map => map.TryGetValue(part, out object? value) && value is not null
                    ? value
                    : throw new KeyNotFoundException($"'{part}' missing at {path}; keys: {string.Join(", ", map.Keys)}"),
                List<object> list when int.TryParse(part, out int i) && i < list.Count => list[i],
                _ => throw new KeyNotFoundException($"'{part}' of {path} is not a key or index of a {current.GetType().Name}"),
            };
        }

        return current;
    }

    public static bool Has(object node, string path)
    {
        try
        {
            At(node, path);
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    public static Dictionary<object, object> Map(object node, string path) =>
        At(node, path) as Dictionary<object, object> ?? throw new InvalidDataException($"{path} is not a map");

    public static List<object> List(object node, string path) =>
        At(node, path) as List<object> ?? throw new InvalidDataException($"{path} is not a list");

    public static string Str(object node, string path) =>
        At(node, path) as string ?? throw new InvalidDataException($"{path} is not a scalar");

    public static List<string> Strings(object node, string path) => [.. List(node, path).Select(item => item as string ?? throw new InvalidDataException($"{path} holds a non-scalar"))];
}
