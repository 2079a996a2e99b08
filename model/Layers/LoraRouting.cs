using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Which rows of a packed forward use which LoRA adapter (slot 0 is the base model: no update). Built once per
/// forward from each row's slot and shared by every layer: rows of one adapter are gathered together, so each
/// adapter present costs one pair of small products per adapted layer, whatever the number of its sequences.
/// </summary>
internal sealed class LoraRouting : IDisposable
{
    private LoraRouting(IReadOnlyList<AdapterRows> adapters) => Adapters = adapters;

    /// <summary>Each adapter present (slot &gt; 0) with its rows.</summary>
    public IReadOnlyList<AdapterRows> Adapters { get; }

    /// <summary>A routing for rows whose slots are <paramref name="slots"/>, or null when every row is the base model's.</summary>
    public static LoraRouting? Create(IReadOnlyList<int> slots, Device device)
    {
        var rows = new SortedDictionary<int, List<long>>();
        for (int row = 0; row < slots.Count; row++)
        {
            if (slots[row] == 0) continue;
            if (!rows.TryGetValue(slots[row], out List<long>? list)) rows[slots[row]] = list = [];
            list.Add(row);
        }
        if (rows.Count == 0) return null;
        var adapters = new List<AdapterRows>(rows.Count);
        foreach ((int slot, List<long> list) in rows)
        {
            long first = list[0];
            bool contiguous = list[^1] - first == list.Count - 1;
            adapters.Add(new AdapterRows(slot, first, list.Count, contiguous ? null : tensor(list.ToArray(), int64).to(device)));
        }
        return new LoraRouting(adapters);
    }

    public void Dispose()
    {
        foreach (AdapterRows a in Adapters) a.Index?.Dispose();
    }
}

/// <summary>
/// The rows of one adapter: the run [<paramref name="Start"/>, Start + <paramref name="Count"/>) when they are
/// consecutive (<paramref name="Index"/> null: a view, no gather), else the (Count) int64 row indices.
/// </summary>
internal sealed record AdapterRows(int Slot, long Start, long Count, Tensor? Index)
{
    /// <summary>These rows of (..., rows, features) <paramref name="x"/>: a view, or a gathered copy.</summary>
    public Tensor Gather(Tensor x)
    {
        long dim = x.dim() - 2;
        return Index is null ? x.narrow(dim, Start, Count) : x.index_select(dim, Index);
    }
}
