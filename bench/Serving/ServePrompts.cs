namespace CodeGen.Bench.Serving;

/// <summary>Built-in code prompts: short, mixed Python and C#, the kind of prefix an editor sends.</summary>
internal static class ServePrompts
{
    /// <summary>Prompts for the throughput and soak workloads; request i uses prompt i mod count.</summary>
    public static readonly IReadOnlyList<string> Code =
    [
        "def fibonacci(n: int) -> int:\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
        "using System;\n\npublic static class StringUtils\n{\n    /// <summary>Reverses a string.</summary>\n    public static string Reverse(string s)\n    {\n",
        "import json\n\n\ndef load_config(path):\n    with open(path) as f:\n",
        "public sealed class LruCache<TKey, TValue> where TKey : notnull\n{\n    private readonly int _capacity;\n",
        "def is_prime(n):\n    if n < 2:\n        return False\n",
        "// Binary search over a sorted array; returns the index or -1.\nstatic int BinarySearch(int[] items, int target)\n{\n",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n",
        "SELECT customer_id, SUM(amount) AS total\nFROM orders\nWHERE created_at >= '2024-01-01'\n",
    ];

    /// <summary>The file an editor session starts from.</summary>
    public const string EditorPrefix = "import math\n\n\ndef circle_area(radius: float) -> float:\n    return math.pi * radius ** 2\n\n\n";

    /// <summary>What the user types after <see cref="EditorPrefix"/>, a few characters per request.</summary>
    public const string EditorTyping =
        "def rectangle_area(width: float, height: float) -> float:\n    \"\"\"Area of a width x height rectangle.\"\"\"\n    return width * height\n\n\n"
        + "def triangle_area(base: float, height: float) -> float:\n    return 0.5 * base * height\n\n\ndef main():\n    for r in range(1, 5):\n        print(circle_area(r))\n";
}
