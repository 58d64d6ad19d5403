using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Warden.Server.Administration;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Users;

namespace Warden.Server.Pages.Admin;

public sealed class CreateUserForm
{
    public string? Email { get; set; }
    public string? Username { get; set; }
    public string? FullName { get; set; }
    public string? Password { get; set; }
    public string[]? Roles { get; set; }
    public string? Invite { get; set; }
}

/// <summary>
/// <c>/admin/users/new</c>: create a user with a password, or invite them (a set-password link by email) — the admin
/// API's <see cref="CreateUser"/>, so the same validation, password policy and role-granting guard apply.
/// </summary>
public static class UserCreatePages
{
    public const string Path = "/admin/users/new";

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/users/new", ShowAsync);
        AdminConsole.Post(admin, "/users/new", CreateAsync);
    }

    public static async Task<IResult> ShowAsync(HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission);
        return admin is null ? refusal! : await FormAsync(http, area, admin, db, new CreateUserForm { Invite = "true", Roles = [DefaultRoles.User] }, null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] CreateUserForm posted, HttpContext http, AdminArea area, AccessPolicy policy, PermissionService permissions, UserManager<User> users,
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission, Path);
        if (admin is null)
        {
            return refusal!;
        }

        var invite = posted.Invite == "true";
        var request = new CreateUserRequest(posted.Email, Blank(posted.Username), Blank(posted.FullName), null, null,
            invite || string.IsNullOrEmpty(posted.Password) ? null : posted.Password, [.. posted.Roles ?? []], invite);
        var result = (await CreateUser.HandleAsync(request, admin.Principal, policy, permissions, users, db, time, http, cancellationToken)).Result;
        if (result is Created<AdminUserSummary> { Value: { } created })
        {
            return PageResults.SeeOther(AdminArea.WithFlash(UserPages.PathOf(created.Id), "done", invite ? "invited" : "created"));
        }

        db.ChangeTracker.Clear();
        return await FormAsync(http, area, admin, db, posted, PageErrors.From(result), cancellationToken);
    }

    private static async Task<IResult> FormAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CreateUserForm form, PageErrors? errors, CancellationToken cancellationToken) =>
        AdminArea.Page<UserCreatePage>(
            area.Frame(http, admin, new Breadcrumb(AdminSections.Users.Label, AdminSections.Users.Path), new Breadcrumb("Admin.Create.Title")),
            new()
            {
                [nameof(UserCreatePage.Form)] = form,
                [nameof(UserCreatePage.Errors)] = errors ?? PageErrors.None,
                [nameof(UserCreatePage.Roles)] = await UserListPages.RoleNamesAsync(db, cancellationToken),
            },
            errors is { Any: true } ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
