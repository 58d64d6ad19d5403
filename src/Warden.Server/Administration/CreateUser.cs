using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Server.Administration;

public sealed record CreateUserRequest(
    string? Email,
    string? Username,
    string? FullName,
    string? FirstName,
    string? LastName,
    string? Password,
    List<string>? Roles,
    bool? SendInvitation);

/// <summary>
/// <c>POST /api/v1/admin/users</c>: an active account (the administrator vouches for the address; an invitation
/// proves it when followed), with a password or with <c>sendInvitation: true</c>, which mails a set-password link
/// (<see cref="SendInvitation"/>). Roles default to <c>user</c>; granting any other follows the guards of role
/// assignment. The <c>user.registered</c> event (with <c>actorId</c>) creates the profile as for a self-registration.
/// </summary>
public static class CreateUser
{
    public const int MaxNameLength = 100;

    public static async Task<Results<Created<AdminUserSummary>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        CreateUserRequest request, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        UserManager<User> users, WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminUsersCreate, PolicyResource.Of(PolicyResourceTypes.User), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var invite = request.SendInvitation ?? false;
        var roleNames = (request.Roles is { Count: > 0 } ? request.Roles : [DefaultRoles.User]).Select(r => r.Trim()).Distinct(StringComparer.Ordinal).ToList();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        var roles = await db.Roles.AsNoTracking()
            .Where(r => roleNames.Contains(r.Name!))
            .Select(r => new { r.Id, Name = r.Name!, Permissions = r.Permissions.Select(p => p.Permission!.Name).ToList() })
            .ToListAsync(cancellationToken);
        var unknown = roleNames.Except(roles.Select(r => r.Name), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return ApiProblems.Validation("roles", $"No role is named {string.Join(", ", unknown.Select(u => $"'{u}'"))}.");
        }

        var actorId = principal.UserId();
        var actor = await AccessSnapshot.LoadAsync(db, actorId, cancellationToken);
        if (AccessGuards.Lacking(actor, roles.SelectMany(r => r.Permissions)) is { Count: > 0 } lacking)
        {
            return AccessGuards.Escalation("You may only grant roles whose permissions you hold yourself.", lacking);
        }

        var now = time.GetUtcNow();
        var user = new User
        {
            Email = request.Email!.Trim(),
            UserName = string.IsNullOrWhiteSpace(request.Username) ? null : request.Username.Trim(),
            Status = UserStatus.Active,
            EmailConfirmed = true,
            EmailVerifiedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
            PasswordChangedAt = request.Password is null ? null : now,
        };
        var result = request.Password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, request.Password);
        if (!result.Succeeded)
        {
            return Refused(result);
        }

        foreach (var role in roles)
        {
            db.UserRoles.Add(new UserRole { UserId = user.Id, RoleId = role.Id, AssignedAt = now, AssignedBy = actorId });
        }

        db.AddEvent(EventTypes.UserRegistered, user.Id, new
        {
            userId = user.Id,
            email = user.Email,
            username = user.UserName,
            fullName = Clean(request.FullName),
            firstName = Clean(request.FirstName),
            lastName = Clean(request.LastName),
            invited = invite,
        }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent registration took the address or username between validation and insert.
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.EmailTaken, "The email address or username is taken.");
        }

        await transaction.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.Created($"/api/v1/admin/users/{user.Id}", new AdminUserSummary(
            user.Id, user.Email, user.UserName, Notifications.AccountMailer.NameOf(Clean(request.FullName), Clean(request.FirstName), Clean(request.LastName)),
            user.Status.ToWire(), true, [.. roles.Select(r => r.Name).Order(StringComparer.Ordinal)], now, null));
    }

    private static Dictionary<string, string[]> Validate(CreateUserRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!EmailAddress.IsValid(request.Email?.Trim()))
        {
            errors["email"] = ["A valid email address is required."];
        }

        if (request.Username is { Length: > 0 } username && !WardenUserValidator.UserNamePattern().IsMatch(username.Trim()))
        {
            errors["username"] = ["A username has 3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit."];
        }

        if (request.Password is null && request.SendInvitation != true)
        {
            errors["password"] = ["Give a password, or set sendInvitation so the user chooses one."];
        }

        foreach (var (field, value, max) in new[] { ("fullName", request.FullName, MaxNameLength * 2), ("firstName", request.FirstName, MaxNameLength), ("lastName", request.LastName, MaxNameLength) })
        {
            if (value is not null && (value.Length > max || value.Any(char.IsControl)))
            {
                errors[field] = [$"At most {max} characters, without control characters."];
            }
        }

        if (request.Roles is { } roles && (roles.Count > 20 || roles.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 256)))
        {
            errors["roles"] = ["Give at most 20 role names."];
        }

        return errors;
    }

    private static Results<Created<AdminUserSummary>, ValidationProblem, ProblemHttpResult> Refused(IdentityResult result)
    {
        if (PasswordPolicy.IsPolicyFailure(result))
        {
            return PasswordPolicy.Problem(result, "password");
        }

        var codes = result.Errors.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);
        if (codes.Contains("DuplicateEmail"))
        {
            // Only administrators reach this; telling them the address has an account reveals nothing new.
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.EmailTaken, "An account with this email address exists.");
        }

        if (codes.Contains("DuplicateUserName"))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.UsernameTaken, "This username is taken.");
        }

        return ApiProblems.Validation(new Dictionary<string, string[]> { ["email"] = [.. result.Errors.Select(e => e.Description)] });
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
