using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Messaging;

/// <summary>
/// How publishing to RabbitMQ goes, as this node sees it: configured or not, the broker (host and port only: the
/// connection string holds a password), the exchange, this node's connection, and the events the outbox still has to
/// publish (not yet confirmed by the broker, poisoned ones excluded).
/// </summary>
public sealed record RabbitMqStatus(bool Enabled, string? Broker, string Exchange, bool Connected, bool Unreachable, long Waiting)
{
    public static async Task<RabbitMqStatus> GetAsync(
        IOptions<RabbitMqOptions> options, RabbitMqPublisher? publisher, WardenDbContext db, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return new RabbitMqStatus(false, null, settings.Exchange, false, false, 0);
        }

        var broker = Uri.TryCreate(settings.ConnectionString, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Host}:{(uri.IsDefaultPort ? 5672 : uri.Port)}" : null;
        var handler = new PublishToRabbitMq(publisher!).Name;
        var waiting = await db.OutboxMessages.LongCountAsync(m => m.ProcessedAt == null && !m.Poisoned
            && !db.HandlerCompletions.Any(c => c.MessageId == m.Id && c.Handler == handler), cancellationToken);
        return new RabbitMqStatus(true, broker, settings.Exchange, publisher?.Connected == true, publisher?.Unreachable == true, waiting);
    }
}
