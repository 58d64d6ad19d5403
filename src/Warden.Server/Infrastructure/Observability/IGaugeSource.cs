namespace Warden.Server.Infrastructure.Observability;

/// <summary>
/// Gauges whose numbers come from somewhere slow (the database): the metrics endpoint asks each to refresh
/// before a scrape, and each decides how often it really reads. Modules register theirs; this layer knows none.
/// </summary>
public interface IGaugeSource
{
    Task RefreshAsync(CancellationToken cancellationToken);
}
