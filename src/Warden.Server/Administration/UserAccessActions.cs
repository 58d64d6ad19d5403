using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;
using Warden.Server.Privacy;

namespace Warden.Server.Administration;

/// <summary>Unlock, end one session or all, reset two-step sign-in, erase: actions on a user whose permissions the caller holds.</summary>
public static class UserAccessActions
{
    /// <summary><c>POST /api/v1/admin/users/{id}/unlock</c>: clears the failure counts of the user's email and username.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, LoginThrottle throttle, WardenDbContext db, TimeProvider time, HttpContext http,
        CancellationToken cancellationToken)
    {
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersUnlock, id, forbidSelf: false, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        var target = guarded.Target;
        await throttle.ClearAsync(UserDetails.IdentifierKeys(target), cancellationToken);
        db.AddEvent(EventTypes.UserUnlocked, id, new { userId = id }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await guarded.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary><c>DELETE /api/v1/admin/users/{id}/sessions</c>: every session ends now.</summary>
    public static Task<Results<NoContent, ProblemHttpResult>> RevokeSessionsAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, SessionRevocation revocation, WardenDbContext db, HttpContext http, CancellationToken cancellationToken) =>
        EndSessionsAsync(id, null, principal, policy, revocation, db, http, cancellationToken);

    /// <summary>
    /// <c>DELETE /api/v1/admin/users/{id}/sessions/{sessionId}</c>: one session ends now (a lost phone); 404 when the user
    /// has no such active session — another user's session id is no session of this one.
    /// </summary>
    public static Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(
        Guid id, Guid sessionId, ClaimsPrincipal principal, AccessPolicy policy, SessionRevocation revocation, WardenDbContext db, HttpContext http,
        CancellationToken cancellationToken) =>
        EndSessionsAsync(id, sessionId, principal, policy, revocation, db, http, cancellationToken);

    /// <summary>One session of the user (<paramref name="sessionId"/>) or all of them, under the same guards.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> EndSessionsAsync(
        Guid id, Guid? sessionId, ClaimsPrincipal principal, AccessPolicy policy, SessionRevocation revocation, WardenDbContext db, HttpContext http,
        CancellationToken cancellationToken)
    {
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersSessions, id, forbidSelf: false, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        if (sessionId is not { } one)
        {
            await revocation.RevokeAllAsync(id, null, RevocationReasons.AdminRevoked, cancellationToken);
        }
        else if ((await revocation.RevokeAsync(id, one, RevocationReasons.AdminRevoked, cancellationToken)).Count == 0)
        {
            return ApiProblems.NotFound("The user has no such active session.");
        }

        await guarded.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>DELETE /api/v1/admin/users/{id}/2fa</c>: turns every second factor off (a user who lost the phone and the
    /// recovery codes). The user signs in with the password alone until they enrol again.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> ResetTwoFactorAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, Authentication.TwoFactor.TwoFactorAccount twoFactor, WardenDbContext db, HttpContext http,
        CancellationToken cancellationToken)
    {
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersTwoFactor, id, forbidSelf: true, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        await twoFactor.DisableAllAsync(id, principal.UserId(), cancellationToken);
        await guarded.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>DELETE /api/v1/admin/users/{id}</c>: the same erasure as self-deletion (<see cref="AccountErasure"/>), in
    /// this transaction so the last-administrator check sees its result. Administrators erase themselves through
    /// <c>DELETE /api/v1/users/me</c>, which asks for their password.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> EraseAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions, AccountErasure erasure,
        WardenDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersErase, id, forbidSelf: true, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        switch (await erasure.EraseAsync(id, principal.UserId(), cancellationToken))
        {
            case ErasureResult.LastAdministrator:
                await guarded.RollbackAsync(cancellationToken);
                return AccessGuards.LastSystemAdministrator();
            case ErasureResult.NotFound:
                return ApiProblems.NotFound("No such user.");
        }

        await guarded.CommitAsync(cancellationToken);
        permissions.Invalidate();
        await erasure.CompleteAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }
}
