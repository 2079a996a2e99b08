namespace CodeGen.Web.Charts;

// A point on a chart with a numeric x axis.
internal sealed record ChartPoint(double X, double Y);
