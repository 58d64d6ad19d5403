using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Audit;

/// <summary>
/// Publishes the chain's head (sequence and hash) every <see cref="AuditOptions.HeadPublicationInterval"/>: a log
/// line, the <c>warden.audit.head</c> gauge, and with <see cref="AuditOptions.HeadEvent"/> an
/// <c>audit.head_published</c> event for webhooks. Kept outside Warden (a log store, a metrics history, a webhook
/// receiver), a head lets <c>audit verify --head</c> prove that no newest entry was deleted: inside the database
/// the head row could be rewritten together with the tail.
/// </summary>
public sealed partial class AuditHeadPublisher : PeriodicJob
{
    private readonly IOptions<AuditOptions> _options;
    private readonly ILogger<AuditHeadPublisher> _logger;
    private AuditHeadView? _published;

    public AuditHeadPublisher(IServiceScopeFactory scopes, FirstRoundsGate gate, TimeProvider time, IOptions<AuditOptions> options, WardenMetrics metrics,
        ILogger<AuditHeadPublisher> logger) : base(scopes, gate, time)
    {
        _options = options;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("warden.audit.head", Observe, "{entry}",
            "Sequence number of the audit chain's head when last published; the hash label is its hash.");
    }

    /// <summary>The head last published by this node, if any.</summary>
    public AuditHeadView? Published => Volatile.Read(ref _published);

    protected override TimeSpan Interval => _options.Value.HeadPublicationInterval;

    protected override void LogFailed(Exception exception) => LogFailed(_logger, exception);

    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var row = await db.AuditHead.AsNoTracking().SingleAsync(h => h.Id == AuditHead.SingletonId, cancellationToken);
        var head = new AuditHeadView(row.Sequence, row.Hash);
        Volatile.Write(ref _published, head);
        LogHead(_logger, head.Sequence, head.Hash, head.ToString());
        if (_options.Value.HeadEvent)
        {
            db.AddEvent(EventTypes.AuditHeadPublished, null, new { sequence = head.Sequence, head = head.ToString() }, Time.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
        }

        return 1;
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> Observe()
    {
        if (Published is { } head)
        {
            yield return new(head.Sequence, new KeyValuePair<string, object?>("hash", head.Hash));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit chain head: sequence {Sequence}, hash {Hash} (verify with --head {Head})")]
    private static partial void LogHead(ILogger logger, long sequence, string hash, string head);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the audit chain head failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
