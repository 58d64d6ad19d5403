using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;
using Warden.Server.Authentication;

namespace Warden.Server.Administration;

public sealed record AdminUserDetails(
    AccountView Account,
    AdminProfileView? Profile,
    IReadOnlyList<AdminRoleAssignment> RoleAssignments,
    IReadOnlyList<AdminSessionView> Sessions,
    AdminLockoutView Lockout,
    IReadOnlyList<string> TwoFactor,
    bool InvitationPending);

public sealed record AdminProfileView(
    string? FullName, string? FirstName, string? LastName, string? Bio, string? AvatarUrl, string? Timezone, string? Locale,
    bool PhoneVerified, DateTimeOffset UpdatedAt);

public sealed record AdminRoleAssignment(string Role, DateTimeOffset AssignedAt, Guid? AssignedBy);

public sealed record AdminSessionView(
    Guid Id, string Client, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt,
    string? IpAddress, string? UserAgent, IReadOnlyList<string> Amr);

/// <summary>Per identifier (<c>email:</c> / <c>username:</c>): recent failures and the lock, if any.</summary>
public sealed record AdminLockoutView(bool Locked, DateTimeOffset? LockedUntil, IReadOnlyList<AdminLockoutEntry> Identifiers);

public sealed record AdminLockoutEntry(string Identifier, int Failures, DateTimeOffset? LockedUntil);

/// <summary><c>GET /api/v1/admin/users/{id}</c>: everything an administrator needs to help a user.</summary>
public static class UserDetails
{
    public static async Task<Results<Ok<AdminUserDetails>, ProblemHttpResult>> HandleAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (await AdminTarget.AuthorizeAsync(principal, PolicyActions.AdminUsersRead, id, policy, http) is { } denied)
        {
            return denied;
        }

        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id && u.Status != UserStatus.Deleted, cancellationToken);
        if (user is null)
        {
            return ApiProblems.NotFound("No such user.");
        }

        var now = time.GetUtcNow();
        var access = await AccessSnapshot.LoadAsync(db, user, cancellationToken);
        var profile = await db.Profiles.AsNoTracking()
            .Where(p => p.UserId == id)
            .Select(p => new AdminProfileView(p.FullName, p.FirstName, p.LastName, p.Bio, p.AvatarUrl, p.Timezone, p.Locale, p.PhoneVerified, p.UpdatedAt))
            .SingleOrDefaultAsync(cancellationToken);
        var assignments = await db.UserRoles.AsNoTracking()
            .Where(ur => ur.UserId == id)
            .OrderBy(ur => ur.Role!.Name)
            .Select(ur => new AdminRoleAssignment(ur.Role!.Name!, ur.AssignedAt, ur.AssignedBy))
            .ToListAsync(cancellationToken);
        var sessions = (await db.Sessions.AsNoTracking()
                .Where(s => s.UserId == id && s.RevokedAt == null && s.State == SessionState.Active && s.ExpiresAt > now)
                .OrderByDescending(s => s.LastUsedAt)
                .ToListAsync(cancellationToken))
            .Select(s => new AdminSessionView(s.Id, s.Client, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.IpAddress, s.UserAgent, s.AmrValues))
            .ToList();

        var keys = IdentifierKeys(user);
        var attempts = await db.LoginAttempts.AsNoTracking().Where(a => keys.Contains(a.Identifier)).ToListAsync(cancellationToken);
        var entries = attempts
            .Select(a => new AdminLockoutEntry(a.Identifier, a.Failures, a.LockedUntil > now ? a.LockedUntil : null))
            .OrderBy(e => e.Identifier, StringComparer.Ordinal)
            .ToList();
        var lockedUntil = entries.Max(e => e.LockedUntil);
        var twoFactor = await TwoFactorMethods.LoadAsync(db, id, cancellationToken);

        return TypedResults.Ok(new AdminUserDetails(
            AccountView.From(user, access, twoFactor),
            profile,
            assignments,
            sessions,
            new AdminLockoutView(lockedUntil is not null, lockedUntil, entries),
            twoFactor,
            SendInvitation.Awaits(user)));
    }

    /// <summary>The login-throttle keys of a user's identifiers (the same ones a sign-in clears).</summary>
    public static List<string> IdentifierKeys(User user) => LoginThrottle.KeysOf(user);
}
