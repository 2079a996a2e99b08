namespace CodeGen.Web.Components;

// Why this request is a 404, for the not-found page: a page sets it (once per request: a scoped service) just
// before NavigationManager.NotFound(). Unset, the not-found page names the path that matched nothing.
internal sealed class NotFoundReason
{
    public string? Title { get; private set; }

    public string? Message { get; private set; }

    public string? BackHref { get; private set; }

    public string? BackLabel { get; private set; }

    public void Set(string title, string message, string backHref, string backLabel)
    {
        Title = title;
        Message = message;
        BackHref = backHref;
        BackLabel = backLabel;
    }
}
