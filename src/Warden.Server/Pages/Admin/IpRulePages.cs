using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Administration;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Layout;
using Warden.Policies;

namespace Warden.Server.Pages.Admin;

public sealed class IpRuleForm
{
    public string? Action { get; set; }
    public string? Network { get; set; }
    public string? Note { get; set; }

    /// <summary>"yes" when the administrator accepts that the rule refuses their own address (the API's confirmSelfLockout).</summary>
    public string? SelfLockout { get; set; }
    public string? Confirm { get; set; }
}

/// <summary>
/// <c>/admin/ip-rules</c> (<c>admin:system</c>, as <c>/api/v1/admin/ip-rules</c>): the allow and deny rules (from
/// configuration, read-only, and stored), adding one, removing a stored one (after a re-authentication within the
/// window and a confirmation), and the automatic blocks in force with a lift each — all through
/// <see cref="IpRuleEndpoints"/>' own use cases: the same validation, self-lockout guard, events and audit entries.
/// </summary>
public static class IpRulePages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/ip-rules", ListAsync);
        AdminConsole.Post(admin, "/ip-rules", CreateAsync);
        admin.MapGet("/ip-rules/{id:guid}/delete", ConfirmDeleteAsync);
        AdminConsole.Post(admin, "/ip-rules/{id:guid}/delete", DeleteAsync);
        AdminConsole.Post(admin, "/ip-rules/blocks/{id:guid}/lift", LiftAsync);
    }

    private static string DeletePath(Guid id) => $"{AdminSections.IpRules.Path}/{id}/delete";

    public static async Task<IResult> ListAsync(
        HttpContext http, AdminArea area, WardenDbContext db, IOptions<IpRulesOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.IpRules.Permission);
        return admin is null ? refusal! : await PageAsync(http, area, admin, db, options, time, new IpRuleForm { Action = "deny" }, null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] IpRuleForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IpRuleCache cache, IOptions<IpRulesOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        posted ??= new IpRuleForm();
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.IpRules.Permission, AdminSections.IpRules.Path);
        if (admin is null)
        {
            return refusal!;
        }

        var request = new CreateIpRuleRequest(posted.Action, posted.Network, posted.Note, posted.SelfLockout == AdminArea.ConfirmValue);
        var result = (await IpRuleEndpoints.CreateAsync(request, admin.Principal, http, db, cache, time, cancellationToken)).Result;
        return result is ValidationProblem invalid
            ? await PageAsync(http, area, admin, db, options, time, posted, invalid.ProblemDetails.Errors, cancellationToken)
            : AdminArea.After(result, AdminSections.IpRules.Path, "ip-rule-created");
    }

    public static Task<IResult> ConfirmDeleteAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        area.ConfirmationAsync(http, AdminSections.IpRules.Permission, DeletePath(id),
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);

    public static async Task<IResult> DeleteAsync(
        Guid id, [FromForm] IpRuleForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IpRuleCache cache, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, AdminSections.IpRules.Permission, AdminSections.IpRules.Path, DeletePath(id), posted?.Confirm,
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var confirmSelfLockout = posted?.SelfLockout == AdminArea.ConfirmValue ? "true" : "false";
        return AdminArea.After((await IpRuleEndpoints.DeleteAsync(id, http, db, cache, time, cancellationToken, confirmSelfLockout)).Result,
            AdminSections.IpRules.Path, "ip-rule-deleted");
    }

    public static async Task<IResult> LiftAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, IpRuleCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.IpRules.Permission, AdminSections.IpRules.Path);
        return admin is null
            ? refusal!
            : AdminArea.After((await IpRuleEndpoints.LiftBlockAsync(id, db, cache, time, cancellationToken)).Result, AdminSections.IpRules.Path, "ip-block-lifted");
    }

    private static async Task<IResult> ConfirmPageAsync(Guid id, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await db.IpRules.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken) is not { } rule)
        {
            return area.NotFound(http, admin);
        }

        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.IpRules", AdminSections.IpRules.Path), new Breadcrumb("Admin.IpRules.Delete"));
        return AdminArea.Confirm(frame, new AdminConfirmModel(
            "Admin.IpRules.Delete", area.Text("Admin.IpRules.DeleteText", IpRuleLift.Wire(rule.Action), rule.Network), DeletePath(id),
            "Admin.IpRules.Delete", AdminSections.IpRules.Path));
    }

    private static async Task<IResult> PageAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, IOptions<IpRulesOptions> options, TimeProvider time,
        IpRuleForm form, IDictionary<string, string[]>? errors, CancellationToken cancellationToken) =>
        AdminArea.Page<IpRulesPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.IpRules")), new()
        {
            [nameof(IpRulesPage.Rules)] = (await IpRuleEndpoints.ListAsync(db, options, cancellationToken)).Value,
            [nameof(IpRulesPage.Blocks)] = (await IpRuleEndpoints.ListBlocksAsync(db, time, cancellationToken)).Value,
            [nameof(IpRulesPage.Form)] = form,
            [nameof(IpRulesPage.Errors)] = errors ?? new Dictionary<string, string[]>(),
            [nameof(IpRulesPage.Caller)] = http.Connection.RemoteIpAddress is { } caller ? IpNetworks.Normalize(caller).ToString() : null,
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
}
