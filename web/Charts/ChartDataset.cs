namespace CodeGen.Web.Charts;

// One series of a chart: either Values (one per label of a category axis; null leaves a gap) or Points
// (numeric x). Color: the line's colour; Colors: one per value (bars and slices); Dashed: a dashed line.
public sealed record ChartDataset(
    string Label,
    IReadOnlyList<double?>? Values = null,
    IReadOnlyList<ChartPoint>? Points = null,
    string? Color = null,
    IReadOnlyList<string>? Colors = null,
    bool Dashed = false);
