using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Privacy;

namespace Warden.Server.Administration;

/// <summary>
/// <c>GET /api/v1/admin/users/{id}/export</c>: the same document a user downloads from <c>GET /api/v1/users/me/export</c>
/// (<see cref="PrivacyEndpoints.ExportForAsync"/>, one member per <see cref="IPersonalData"/> module), for an
/// administrator answering a data-protection request for someone. A copy of all of a person's data is as much an act
/// on them as erasing it is, so the same tier guard holds: a helpdesk administrator exports no one holding a
/// permission they lack. <c>user.data_exported</c> records the administrator as <c>actorId</c>. 404 for an unknown
/// or erased user.
/// </summary>
public static class ExportUserData
{
    public static async Task<Results<Ok<Dictionary<string, object?>>, ProblemHttpResult>> HandleAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, IEnumerable<IPersonalData> modules, TimeProvider time,
        HttpContext http, CancellationToken cancellationToken)
    {
        // Under the administration lock, so the guard sees the target's permissions as they are while the copy is made.
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersExport, id, forbidSelf: false, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        if (await PrivacyEndpoints.ExportForAsync(id, db, modules, time, cancellationToken) is not { } export)
        {
            return Infrastructure.Http.ApiProblems.NotFound("No such user.");
        }

        await guarded.CommitAsync(cancellationToken);
        PrivacyEndpoints.AsAttachment(http, export);
        return TypedResults.Ok(export);
    }
}
