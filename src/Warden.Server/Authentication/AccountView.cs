using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using Warden.Server.Authorization;

namespace Warden.Server.Authentication;

/// <summary>The signed-in user's account as the API shows it (<c>GET /api/v1/users/me</c> and token responses).</summary>
public sealed record AccountView(
    Guid Id,
    string Email,
    string? Username,
    string Status,
    bool EmailVerified,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> TwoFactor,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt,
    DateTimeOffset? LastActiveAt)
{
    /// <summary><c>GET /api/v1/users/me</c>.</summary>
    public static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GetMeAsync(
        ClaimsPrincipal principal, WardenDbContext db, AccountViewCache cache, CancellationToken cancellationToken)
    {
        var account = await cache.GetAsync(db, principal.UserId(), cancellationToken);
        return account is null ? ApiProblems.NotFound() : TypedResults.Ok(account);
    }

    public static async Task<AccountView?> LoadAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var access = await AccessSnapshot.LoadAsync(db, user, cancellationToken);
        return From(user, access, await TwoFactorMethods.LoadAsync(db, userId, cancellationToken));
    }

    public static AccountView From(Guid userId, AccountViewCache.Facts facts, AccessSnapshot access, IReadOnlyList<string> twoFactor) => new(
        userId,
        facts.Email,
        facts.UserName,
        facts.Status.ToWire(),
        facts.EmailVerified,
        [.. access.Roles],
        [.. access.Permissions],
        twoFactor,
        facts.CreatedAt,
        facts.LastLoginAt,
        facts.LastActiveAt);

    public static AccountView From(User user, AccessSnapshot access, IReadOnlyList<string> twoFactor) => new(
        user.Id,
        user.Email!,
        user.UserName,
        user.Status.ToWire(),
        user.EmailVerifiedAt is not null,
        [.. access.Roles],
        [.. access.Permissions],
        twoFactor,
        user.CreatedAt,
        user.LastLoginAt,
        user.LastActiveAt);
}

/// <summary>Which second factors a user has turned on (totp, sms, email).</summary>
public static class TwoFactorMethods
{
    public static async Task<IReadOnlyList<string>> LoadAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var row = await db.TwoFactor.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        return row?.EnabledMethods() ?? [];
    }
}
