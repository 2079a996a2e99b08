namespace CodeGen.Web.Charts;

// A point on a chart with a numeric x axis.
public sealed record ChartPoint(double X, double Y);
