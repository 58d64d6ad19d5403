using Microsoft.Extensions.Options;
using Warden.Server.Analytics;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Messaging;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// <c>/admin/events</c> (<c>admin:system</c>): the outbox's backlog, the poisoned events (out of attempts, kept until an
/// operator retries them: <see cref="PoisonedEvents"/>, its retry audited as <c>outbox.event_retried</c>) and how
/// publishing to RabbitMQ goes on this node (<see cref="RabbitMqStatus"/>).
/// </summary>
public static class EventPages
{
    public const int PoisonedShown = 100;

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/events", ShowAsync);
        AdminConsole.Post(admin, "/events/{id:guid}/retry", RetryAsync);
    }

    public static async Task<IResult> ShowAsync(
        HttpContext http, AdminArea area, WardenDbContext db, PoisonedEvents poisoned, IOptions<RabbitMqOptions> rabbit, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Events.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var (backlog, poisonedCount) = await DatabaseGauges.OutboxAsync(db, cancellationToken);
        return AdminArea.Page<EventsPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Events")), new()
        {
            [nameof(EventsPage.Backlog)] = backlog,
            [nameof(EventsPage.PoisonedCount)] = poisonedCount,
            [nameof(EventsPage.Poisoned)] = await poisoned.ListAsync(PoisonedShown, cancellationToken),
            [nameof(EventsPage.RabbitMq)] = await RabbitMqStatus.GetAsync(rabbit, http.RequestServices.GetService<RabbitMqPublisher>(), db, cancellationToken),
        });
    }

    public static async Task<IResult> RetryAsync(Guid id, HttpContext http, AdminArea area, PoisonedEvents poisoned, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Events.Permission, AdminSections.Events.Path);
        if (admin is null)
        {
            return refusal!;
        }

        return await poisoned.RetryAsync(id, time.GetUtcNow(), cancellationToken)
            ? PageResults.SeeOther(AdminArea.WithFlash(AdminSections.Events.Path, "done", "event-retried"))
            : PageResults.SeeOther(AdminArea.WithFlash(AdminSections.Events.Path, "problem", "not_found"));
    }
}
