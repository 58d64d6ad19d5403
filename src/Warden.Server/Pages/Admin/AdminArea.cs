using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using Warden.Server.Authentication;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// The person using the console, as the admin API would see them: their browser session stands for a token (its user as
/// <c>sub</c>, its session as <c>sid</c>, its authentication methods as <c>amr</c>), so the API's own use cases, handed
/// <see cref="Principal"/>, apply the same access rules, tier guards, last-administrator and no-self-change checks, and
/// record this person as the actor of every audit entry.
/// </summary>
public sealed record Administrator(SignedInPerson Person, ClaimsPrincipal Principal, AccessSnapshot Access, AntiforgeryTokenSet Antiforgery)
{
    public Guid UserId => Person.UserId;

    public bool Holds(string permission) => Access.EffectivePermissions.Contains(permission);

    /// <summary>The sections this administrator may open, in the navigation's order.</summary>
    public IReadOnlyList<AdminSection> Navigation { get; init; } = [];
}

/// <summary>One step of the breadcrumb trail: a resource key, or words shown as they are (a user's email) when <paramref name="Literal"/>.</summary>
public sealed record Breadcrumb(string Label, string? Href = null, bool Literal = false);

/// <summary>What the console's layout (<c>AdminShell</c>) shows around every page.</summary>
public sealed record AdminFrame(
    Administrator Admin, string Path, IReadOnlyList<Breadcrumb> Breadcrumbs, AntiforgeryTokenSet Antiforgery, string? Notice, string? Problem)
{
    /// <summary>Numbers the message names (<c>{0}</c>: done, <c>{1}</c>: refused), from <c>?n=</c> and <c>?failed=</c>.</summary>
    public IReadOnlyList<object> NoticeArgs { get; init; } = [0, 0];
}

/// <summary>
/// What every console page needs, in one place:
/// <list type="bullet">
/// <item><see cref="EnterAsync"/>: the signed-in person (else the sign-in page, coming back), holding an admin
/// permission (else 403) and the section's permission — the one its admin API route requires (else 403 inside the
/// console);</item>
/// <item><see cref="Page{TPage}"/>: a page rendered in the layout, with navigation, breadcrumbs, the message of the last
/// action and the form's antiforgery token;</item>
/// <item><see cref="After"/>: post/redirect/get — the use case's answer becomes a message on the next page
/// (<c>?done=</c> / <c>?problem=</c>, keys only: no words from the address are ever shown);</item>
/// <item><see cref="StepUpAsync"/> and <see cref="Confirmed"/>: a destructive action needs a re-authentication on this
/// session within the window (<see cref="Reauthentication"/>, asked by <c>/account/reauthenticate</c>) and a
/// confirmation posted with the form (<c>confirm=yes</c>, from <c>AdminConfirmPage</c>): no script needed.</item>
/// </list>
/// </summary>
public sealed class AdminArea(
    AccountArea account, PermissionService permissions, IAntiforgery antiforgery, IStringLocalizer<Strings> strings, IEnumerable<AdminSection> sections)
{
    public const string Home = "/admin";
    public const string ConfirmField = "confirm";
    public const string ConfirmValue = "yes";

    /// <summary>Holding any of these opens the console; each section then asks its own.</summary>
    public static readonly IReadOnlyList<string> AdminPermissions = [PermissionNames.AdminUsers, PermissionNames.AdminSystem];

    /// <summary>
    /// Who may use this section: the administrator, or what to answer instead (sign-in, 403). <paramref name="returnPath"/>
    /// is where the sign-in comes back to (a post's page, not the post); default: this address.
    /// </summary>
    public async Task<(Administrator? Admin, IResult? Refusal)> EnterAsync(HttpContext http, string permission, string? returnPath = null)
    {
        if (await account.PersonAsync(http) is not { } person)
        {
            return (null, AccountArea.ToSignIn(http, returnPath));
        }

        var access = await permissions.GetAsync(person.UserId, http.RequestAborted);
        // The forms' token is made before the request's user becomes the administrator: the antiforgery check of their
        // post runs before any page code, on an anonymous request user, as for the account pages.
        var admin = new Administrator(person, PrincipalOf(person), access, antiforgery.GetAndStoreTokens(http))
        {
            Navigation = [.. sections.Where(s => access.EffectivePermissions.Contains(s.Permission))],
        };
        if (!AdminPermissions.Any(admin.Holds))
        {
            return (null, AccountArea.Denied());
        }

        if (!admin.Holds(permission))
        {
            return (null, Forbidden(http, admin));
        }

        // The audit convention reads the actor from the request's user (RequestOriginEnricher): the administrator.
        http.User = admin.Principal;
        return (admin, null);
    }

    /// <summary>The frame of a page: navigation for <paramref name="admin"/>, the trail, and the message of the action just done.</summary>
    public AdminFrame Frame(HttpContext http, Administrator admin, params Breadcrumb[] breadcrumbs)
    {
        var done = http.Request.Query["done"].ToString();
        var problem = http.Request.Query["problem"].ToString();
        return new AdminFrame(
            admin,
            http.Request.Path.Value ?? Home,
            breadcrumbs,
            admin.Antiforgery,
            done.Length > 0 && Known("Admin.Done." + done) ? "Admin.Done." + done : null,
            problem.Length == 0 ? null : Known("Admin.Problem." + problem) ? "Admin.Problem." + problem : "Admin.Problem.other")
        {
            NoticeArgs = [Count(http, "n"), Count(http, "failed")],
        };
    }

    private static int Count(HttpContext http, string name) =>
        int.TryParse(http.Request.Query[name], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>A console page: <typeparamref name="TPage"/> gets <paramref name="frame"/> as its <c>Frame</c> parameter.</summary>
    public static RazorComponentResult Page<TPage>(AdminFrame frame, Dictionary<string, object?>? parameters = null, int statusCode = StatusCodes.Status200OK)
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        var all = parameters ?? [];
        all["Frame"] = frame;
        return new RazorComponentResult<TPage>(all) { StatusCode = statusCode };
    }

    /// <summary>403 inside the console: this administrator lacks the section's permission (nothing was shown or changed).</summary>
    public RazorComponentResult Forbidden(HttpContext http, Administrator admin) =>
        Message(Frame(http, admin, new Breadcrumb("Admin.Forbidden.Title")), "Admin.Forbidden.Title", "Admin.Forbidden.Text", StatusCodes.Status403Forbidden);

    /// <summary>404 inside the console (a user erased meanwhile, an id that never was).</summary>
    public RazorComponentResult NotFound(HttpContext http, Administrator admin) =>
        Message(Frame(http, admin, new Breadcrumb("NotFound.Title")), "NotFound.Title", "NotFound.Text", StatusCodes.Status404NotFound);

    public static RazorComponentResult Message(AdminFrame frame, string title, string text, int statusCode) =>
        Page<AdminMessagePage>(frame, new() { [nameof(AdminMessagePage.Title)] = title, [nameof(AdminMessagePage.Text)] = text }, statusCode);

    /// <summary>
    /// After a post, on the use case's answer: back to <paramref name="back"/> with <c>done=<paramref name="doneKey"/></c>,
    /// or with the problem's code (a refused re-authentication asks for a new one first, coming back to <paramref name="back"/>).
    /// </summary>
    public static IResult After(object result, string back, string doneKey) =>
        ProblemCode(result) switch
        {
            null => PageResults.SeeOther(WithFlash(back, "done", doneKey)),
            ProblemCodes.ReauthenticationRequired => AccountArea.ToReauthenticate(back),
            var code => PageResults.SeeOther(WithFlash(back, "problem", code)),
        };

    /// <summary>The stable code of a use case's problem answer, or null when it is no problem.</summary>
    public static string? ProblemCode(object result) => result switch
    {
        ValidationProblem => "validation_failed",
        ProblemHttpResult { ProblemDetails.Extensions: var extensions } => extensions.TryGetValue("code", out var code) ? code?.ToString() ?? "other" : "other",
        INestedHttpResult nested => ProblemCode(nested.Result),
        _ => null,
    };

    public static string WithFlash(string path, string name, string value) =>
        path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + name + "=" + Uri.EscapeDataString(value);

    /// <summary>
    /// Null when this session re-authenticated within the window; otherwise the way to <c>/account/reauthenticate</c>,
    /// which comes back to <paramref name="returnPath"/> (a page to show again, such as the confirmation).
    /// </summary>
    public async Task<IResult?> StepUpAsync(Administrator admin, string returnPath, CancellationToken cancellationToken) =>
        await account.IsRecentAsync(admin.Person, cancellationToken) ? null : AccountArea.ToReauthenticate(returnPath);

    /// <summary>
    /// The page that confirms a destructive action (where the re-authentication comes back to): the section's permission,
    /// then a re-authentication within the window, then <paramref name="confirmPage"/>.
    /// </summary>
    public async Task<IResult> ConfirmationAsync(
        HttpContext http, string permission, string actionPath, Func<Administrator, Task<IResult>> confirmPage, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await EnterAsync(http, permission);
        if (admin is null)
        {
            return refusal!;
        }

        return await StepUpAsync(admin, actionPath, cancellationToken) ?? await confirmPage(admin);
    }

    /// <summary>
    /// The preamble of a destructive action's post: the section's permission (a sign-in comes back to
    /// <paramref name="returnPath"/>), a re-authentication within the window (back to <paramref name="actionPath"/>, the
    /// confirmation), then the form's confirmation — without it the confirmation page is the answer. An administrator
    /// without an answer may act.
    /// </summary>
    public async Task<(Administrator? Admin, IResult? Answer)> BeginDestructiveAsync(
        HttpContext http, string permission, string returnPath, string actionPath, string? confirm,
        Func<Administrator, Task<IResult>> confirmPage, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await EnterAsync(http, permission, returnPath);
        if (admin is null)
        {
            return (null, refusal);
        }

        if (await StepUpAsync(admin, actionPath, cancellationToken) is { } stepUp)
        {
            return (null, stepUp);
        }

        return Confirmed(confirm) ? (admin, null) : (null, await confirmPage(admin));
    }

    /// <summary>The "are you sure?" page of a destructive action (also answered to a post that came without <c>confirm=yes</c>).</summary>
    public static RazorComponentResult Confirm(AdminFrame frame, AdminConfirmModel model) =>
        Page<AdminConfirmPage>(frame, new() { [nameof(AdminConfirmPage.Model)] = model },
            model.TypedWrong ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);

    /// <summary>Whether the form carried the confirmation of <c>AdminConfirmPage</c>.</summary>
    public static bool Confirmed(string? confirm) => confirm == ConfirmValue;

    public string Text(string key) => strings[key];

    /// <summary>A text with values filled in, in the page's culture.</summary>
    public string Text(string key, params object?[] values) => string.Format(System.Globalization.CultureInfo.CurrentCulture, strings[key], values);

    private bool Known(string key) => !strings[key].ResourceNotFound;

    private static ClaimsPrincipal PrincipalOf(SignedInPerson person)
    {
        var claims = new List<Claim> { new("sub", person.UserId.ToString()), new("sid", person.Session.Id.ToString()) };
        claims.AddRange(person.Session.Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(m => new Claim("amr", m)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, AccountSession.PlainName, "sub", "roles"));
    }
}
