using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Pages.Layout;
using Warden.Server.Webhooks;

namespace Warden.Server.Pages.Admin;

public sealed class WebhookForm
{
    public string? Url { get; set; }

    /// <summary>Event types separated by spaces or commas (<c>user.*</c>, <c>*</c>).</summary>
    public string? EventTypes { get; set; }
    public string? Description { get; set; }
    public string? Confirm { get; set; }
}

/// <summary>
/// <c>/admin/webhooks</c> (<c>admin:system</c>, as <c>/api/v1/admin/webhooks</c>): the subscriptions, creating one (its
/// signing secret shown on the answer page only, never again), a subscription's deliveries with their status, sending a
/// test event, redelivering, and deleting (after a re-authentication within the window and a confirmation) — each
/// through <see cref="WebhookEndpoints"/>' own use case, so validation, events and audit entries are the API's.
/// </summary>
public static class WebhookPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/webhooks", ListAsync);
        AdminConsole.Post(admin, "/webhooks", CreateAsync);
        admin.MapGet("/webhooks/{id:guid}", ShowAsync);
        AdminConsole.Post(admin, "/webhooks/{id:guid}/test", TestAsync);
        AdminConsole.Post(admin, "/webhooks/{id:guid}/deliveries/{deliveryId:guid}/redeliver", RedeliverAsync);
        admin.MapGet("/webhooks/{id:guid}/delete", ConfirmDeleteAsync);
        AdminConsole.Post(admin, "/webhooks/{id:guid}/delete", DeleteAsync);
    }

    public static string PathOf(Guid id) => AdminSections.Webhooks.Path + "/" + id;

    public static async Task<IResult> ListAsync(HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Webhooks.Permission);
        return admin is null ? refusal! : await ListPageAsync(http, area, admin, db, new WebhookForm(), null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] WebhookForm? posted, HttpContext http, AdminArea area, WardenDbContext db, SecretProtector protector,
        IOptions<WebhookOptions> options, IOptions<NetworkOptions> network, TimeProvider time, CancellationToken cancellationToken)
    {
        posted ??= new WebhookForm();
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Webhooks.Permission, AdminSections.Webhooks.Path);
        if (admin is null)
        {
            return refusal!;
        }

        var types = (posted.EventTypes ?? "").Split([' ', ',', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var request = new CreateWebhookRequest(posted.Url, types, null, posted.Description);
        return (await WebhookEndpoints.CreateAsync(request, admin.Principal, db, protector, options, network, time, cancellationToken)).Result switch
        {
            // The only time the secret is shown: on this answer (no-store, as every page), never in an address or a later page.
            Created<CreatedWebhook> { Value: { } created } => AdminArea.Page<AdminSecretPage>(
                area.Frame(http, admin, new Breadcrumb("Admin.Nav.Webhooks", AdminSections.Webhooks.Path), new Breadcrumb(created.Url, Literal: true)),
                new()
                {
                    [nameof(AdminSecretPage.Title)] = "Admin.Webhooks.Created",
                    [nameof(AdminSecretPage.Text)] = "Admin.Webhooks.SecretText",
                    [nameof(AdminSecretPage.Secret)] = created.Secret,
                    [nameof(AdminSecretPage.Next)] = PathOf(created.Id),
                }),
            ValidationProblem invalid => await ListPageAsync(http, area, admin, db, posted, invalid.ProblemDetails.Errors, cancellationToken),
            var other => AdminArea.After(other, AdminSections.Webhooks.Path, "webhook-created"),
        };
    }

    public static async Task<IResult> ShowAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken, string? page = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Webhooks.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var hook = (await WebhookEndpoints.ListAsync(db, cancellationToken)).Value!.SingleOrDefault(h => h.Id == id);
        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.Webhooks", AdminSections.Webhooks.Path), new Breadcrumb(hook?.Url ?? "", Literal: true));
        return (await WebhookEndpoints.ListDeliveriesAsync(id, db, cancellationToken, page)).Result switch
        {
            Ok<WebhookDeliveryPage> { Value: { } deliveries } when hook is not null => AdminArea.Page<WebhookPage>(frame, new()
            {
                [nameof(WebhookPage.Hook)] = hook,
                [nameof(WebhookPage.Deliveries)] = deliveries,
            }),
            ValidationProblem => AdminArea.Message(frame, "Admin.Problem.validation_failed", "Admin.Webhooks.BadPage", StatusCodes.Status422UnprocessableEntity),
            _ => area.NotFound(http, admin),
        };
    }

    public static async Task<IResult> TestAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, WebhookSignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Webhooks.Permission, PathOf(id));
        return admin is null ? refusal! : AdminArea.After((await WebhookEndpoints.SendTestAsync(id, db, signal, time, cancellationToken)).Result, PathOf(id), "webhook-tested");
    }

    public static async Task<IResult> RedeliverAsync(
        Guid id, Guid deliveryId, HttpContext http, AdminArea area, WardenDbContext db, WebhookSignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Webhooks.Permission, PathOf(id));
        return admin is null
            ? refusal!
            : AdminArea.After((await WebhookEndpoints.RedeliverAsync(id, deliveryId, db, signal, time, cancellationToken)).Result, PathOf(id), "webhook-redelivered");
    }

    /// <summary>The confirmation as a page of its own: where the re-authentication comes back to.</summary>
    public static Task<IResult> ConfirmDeleteAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        area.ConfirmationAsync(http, AdminSections.Webhooks.Permission, PathOf(id) + "/delete",
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);

    public static async Task<IResult> DeleteAsync(
        Guid id, [FromForm] WebhookForm? posted, HttpContext http, AdminArea area, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, AdminSections.Webhooks.Permission, PathOf(id), PathOf(id) + "/delete", posted?.Confirm,
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var result = (await WebhookEndpoints.DeleteAsync(id, db, time, cancellationToken)).Result;
        return AdminArea.ProblemCode(result) is null
            ? PageResults.SeeOther(AdminArea.WithFlash(AdminSections.Webhooks.Path, "done", "webhook-deleted"))
            : AdminArea.After(result, AdminSections.Webhooks.Path, "webhook-deleted");
    }

    private static async Task<IResult> ConfirmPageAsync(Guid id, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await db.WebhookSubscriptions.AsNoTracking().Where(s => s.Id == id).Select(s => s.Url).SingleOrDefaultAsync(cancellationToken) is not { } url)
        {
            return area.NotFound(http, admin);
        }

        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.Webhooks", AdminSections.Webhooks.Path), new Breadcrumb(url, PathOf(id), Literal: true),
            new Breadcrumb("Admin.Webhooks.Delete"));
        return AdminArea.Confirm(frame, new AdminConfirmModel(
            "Admin.Webhooks.Delete", area.Text("Admin.Webhooks.DeleteText", url), PathOf(id) + "/delete", "Admin.Webhooks.Delete", PathOf(id)));
    }

    private static async Task<IResult> ListPageAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, WebhookForm form, IDictionary<string, string[]>? errors, CancellationToken cancellationToken) =>
        AdminArea.Page<WebhookListPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Webhooks")), new()
        {
            [nameof(WebhookListPage.Hooks)] = (await WebhookEndpoints.ListAsync(db, cancellationToken)).Value,
            [nameof(WebhookListPage.Failures)] = await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.Status == WebhookDeliveryStatus.Dead || d.Status == WebhookDeliveryStatus.Retrying)
                .GroupBy(d => d.SubscriptionId).Select(g => new { g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken),
            [nameof(WebhookListPage.Form)] = form,
            [nameof(WebhookListPage.Errors)] = errors ?? new Dictionary<string, string[]>(),
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
}
