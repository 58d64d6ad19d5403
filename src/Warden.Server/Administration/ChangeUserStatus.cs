using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

public sealed record StatusRequest(string? Status);

public sealed record StatusView(Guid Id, string Status, int RevokedSessions);

/// <summary>
/// <c>PUT /api/v1/admin/users/{id}/status</c>: <c>active</c> or <c>suspended</c>. Suspension ends every session
/// in the same transaction (the suspended user's access tokens fail on their next request); the event only
/// reports it. Nobody suspends themselves or the last active holder of <c>admin:system</c>.
/// </summary>
public static class ChangeUserStatus
{
    public static async Task<Results<Ok<StatusView>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        Guid id,
        StatusRequest request,
        ClaimsPrincipal principal,
        AccessPolicy policy,
        PermissionService permissions,
        SessionRevocation revocation,
        WardenDbContext db,
        TimeProvider time,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (request.Status is not ("active" or "suspended"))
        {
            return ApiProblems.Validation("status", "The status is 'active' or 'suspended'.");
        }

        var wanted = request.Status == "active" ? UserStatus.Active : UserStatus.Suspended;
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersStatus, id, forbidSelf: true, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        var target = guarded.Target;
        var previous = target.Status;
        if (previous == wanted)
        {
            return TypedResults.Ok(new StatusView(id, wanted.ToWire(), 0));
        }

        var now = time.GetUtcNow();
        target.Status = wanted;
        target.UpdatedAt = now;
        db.AddEvent(EventTypes.UserStatusChanged, id, new
        {
            userId = id,
            from = previous.ToWire(),
            to = wanted.ToWire(),
        }, now);
        await db.SaveChangesAsync(cancellationToken);

        var revoked = wanted == UserStatus.Suspended
            ? await revocation.RevokeAllAsync(id, null, RevocationReasons.Suspended, cancellationToken)
            : [];

        if (!await AccessGuards.SystemAdministratorRemainsAsync(db, cancellationToken))
        {
            await guarded.RollbackAsync(cancellationToken);
            return AccessGuards.LastSystemAdministrator();
        }

        await guarded.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.Ok(new StatusView(id, wanted.ToWire(), revoked.Count));
    }
}
