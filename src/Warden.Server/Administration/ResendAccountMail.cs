using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authentication.Registration;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// An administrator sends a user's verification email or invitation again (the first one expired, or never arrived).
/// Only an event is written here, in the request's transaction; the mail is made after commit by the handler that
/// sends the first one (<see cref="SendVerificationEmail"/>, <see cref="SendInvitation"/>), so the new token supersedes
/// the older links exactly as a user's own resend does, and no token ever sits in an event or a request log. The event
/// carries the administrator as <c>actorId</c> (the request-origin convention), so the audit log names them.
/// </summary>
public static class ResendAccountMail
{
    /// <summary><c>POST /api/v1/admin/users/{id}/resend-verification</c>: 202; 409 <c>not_awaiting_verification</c> unless the account is pending verification.</summary>
    public static Task<Results<Accepted, ProblemHttpResult>> VerificationAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken) =>
        ResendAsync(id, principal, policy, db, time, http, EventTypes.VerificationRequested,
            user => user.Status == UserStatus.PendingVerification
                ? null
                : ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.NotAwaitingVerification,
                    "The account is not waiting for its email address to be verified."),
            cancellationToken);

    /// <summary>
    /// <c>POST /api/v1/admin/users/{id}/resend-invitation</c>: 202; 409 <c>not_awaiting_invitation</c> unless the account
    /// is active and still has no password (the invitation was accepted, the account is suspended, or it never was one).
    /// </summary>
    public static Task<Results<Accepted, ProblemHttpResult>> InvitationAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken) =>
        ResendAsync(id, principal, policy, db, time, http, EventTypes.InvitationRequested,
            user => SendInvitation.Awaits(user)
                ? null
                : ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.NotAwaitingInvitation,
                    "The account is not waiting for an invitation to be accepted."),
            cancellationToken);

    /// <summary>
    /// The guards every action on a user has (access rules, then under the administration lock: exists, holds no
    /// permission the caller lacks), then the state the mail is for, checked on the row this transaction holds.
    /// </summary>
    private static async Task<Results<Accepted, ProblemHttpResult>> ResendAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, TimeProvider time, HttpContext http, string eventType,
        Func<User, ProblemHttpResult?> refusal, CancellationToken cancellationToken)
    {
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersResend, id, forbidSelf: false, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        if (refusal(guarded.Target) is { } wrongState)
        {
            return wrongState;
        }

        db.AddEvent(eventType, id, new { userId = id }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await guarded.CommitAsync(cancellationToken);
        return TypedResults.Accepted((string?)null);
    }
}
