using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

public sealed record AdminUserSummary(
    Guid Id,
    string Email,
    string? Username,
    string? Name,
    string Status,
    bool EmailVerified,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt);

public sealed record AdminUserPage(IReadOnlyList<AdminUserSummary> Items, int Page, int Size, int Total);

/// <summary>
/// <c>GET /api/v1/admin/users?page=&amp;size=&amp;search=&amp;status=&amp;role=&amp;sort=</c>. The search is a
/// case-insensitive substring of email, username or profile name, with <c>%</c>, <c>_</c> and <c>\</c> taken
/// literally. On PostgreSQL it is ILIKE, served by pg_trgm GIN indexes on those three columns; on SQLite LIKE,
/// which folds ASCII case only. Erased users are listed only with <c>status=deleted</c>.
/// </summary>
public static class ListUsers
{
    public const int MaxSize = 100;
    public const int MaxPage = 1_000_000;

    // No column holds more than this (email 254, username 256, name 200): a longer search matches nothing.
    private const int LongestSearchable = 256;

    public static readonly IReadOnlyList<string> Sorts = ["createdAt", "-createdAt", "email", "-email", "lastLoginAt", "-lastLoginAt"];

    public static async Task<Results<Ok<AdminUserPage>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        ClaimsPrincipal principal,
        AccessPolicy policy,
        WardenDbContext db,
        HttpContext http,
        CancellationToken cancellationToken,
        int? page = null,
        int? size = null,
        string? search = null,
        string? status = null,
        string? role = null,
        string? sort = null)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminUsersRead, PolicyResource.Of(PolicyResourceTypes.User), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var p = page ?? 1;
        var s = size ?? 20;
        var errors = new Dictionary<string, string[]>();
        if (p is < 1 or > MaxPage)
        {
            errors["page"] = [$"The page is between 1 and {MaxPage}."];
        }

        if (s is < 1 or > MaxSize)
        {
            errors["size"] = [$"The size is between 1 and {MaxSize}."];
        }

        UserStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (UserStatusNames.TryParse(status, out var parsed))
            {
                statusFilter = parsed;
            }
            else
            {
                errors["status"] = ["The status is one of pending_verification, active, suspended, deleted."];
            }
        }

        sort = string.IsNullOrEmpty(sort) ? "-createdAt" : sort;
        if (!Sorts.Contains(sort, StringComparer.Ordinal))
        {
            errors["sort"] = [$"The sort is one of {string.Join(", ", Sorts)} ('-' for descending)."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var query = statusFilter is { } only
            ? db.Users.AsNoTracking().Where(u => u.Status == only)
            : db.Users.AsNoTracking().Where(u => u.Status != UserStatus.Deleted);

        if (!string.IsNullOrEmpty(role))
        {
            query = query.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && ur.Role!.Name == role));
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            // Nothing longer than any column can match; nor can control characters, which no email, username or
            // name may hold. A NUL would even end the pattern early in SQLite (widening it to everything) and is
            // refused outright by PostgreSQL.
            if (term.Length > LongestSearchable || term.Any(char.IsControl))
            {
                return TypedResults.Ok(new AdminUserPage([], p, s, 0));
            }

            query = query.Where(u => Matching(db, "%" + EscapeLike(term) + "%").Contains(u.Id));
        }

        var total = await query.CountAsync(cancellationToken);
        var rows = await Order(query, sort)
            .Skip((p - 1) * s)
            .Take(s)
            .Select(u => new
            {
                u.Id,
                u.Email,
                u.UserName,
                Name = db.Profiles.Where(pr => pr.UserId == u.Id).Select(pr => pr.FullName).FirstOrDefault(),
                u.Status,
                u.EmailVerifiedAt,
                u.CreatedAt,
                u.LastLoginAt,
            })
            .ToListAsync(cancellationToken);

        var ids = rows.Select(r => r.Id).ToList();
        var roles = (await db.UserRoles.AsNoTracking()
                .Where(ur => ids.Contains(ur.UserId))
                .Select(ur => new { ur.UserId, Name = ur.Role!.Name! })
                .ToListAsync(cancellationToken))
            .ToLookup(r => r.UserId, r => r.Name);

        var items = rows.Select(r => new AdminUserSummary(
            r.Id, r.Email!, r.UserName, r.Name, r.Status.ToWire(), r.EmailVerifiedAt is not null,
            [.. roles[r.Id].Order(StringComparer.Ordinal)], r.CreatedAt, r.LastLoginAt)).ToList();
        return TypedResults.Ok(new AdminUserPage(items, p, s, total));
    }

    /// <summary>
    /// The ids whose email, username or profile name contain the pattern: a union of three simple predicates,
    /// so that on PostgreSQL each can use its own trigram index (an OR across a join could not).
    /// </summary>
    private static IQueryable<Guid> Matching(WardenDbContext db, string pattern)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            return db.Users.Where(u => EF.Functions.ILike(u.Email!, pattern, @"\")).Select(u => u.Id)
                .Union(db.Users.Where(u => EF.Functions.ILike(u.UserName!, pattern, @"\")).Select(u => u.Id))
                .Union(db.Profiles.Where(pr => EF.Functions.ILike(pr.FullName!, pattern, @"\")).Select(pr => pr.UserId));
        }

        return db.Users.Where(u => EF.Functions.Like(u.Email!, pattern, @"\")).Select(u => u.Id)
            .Union(db.Users.Where(u => EF.Functions.Like(u.UserName!, pattern, @"\")).Select(u => u.Id))
            .Union(db.Profiles.Where(pr => EF.Functions.Like(pr.FullName!, pattern, @"\")).Select(pr => pr.UserId));
    }

    /// <summary>Makes every character of the search literal in a LIKE pattern with escape character <c>\</c>.</summary>
    public static string EscapeLike(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);

    // Ties (and NULL last-login times, always last) are broken by id, so pages never overlap or skip.
    private static IQueryable<User> Order(IQueryable<User> query, string sort) => sort switch
    {
        "createdAt" => query.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id),
        "email" => query.OrderBy(u => u.NormalizedEmail).ThenBy(u => u.Id),
        "-email" => query.OrderByDescending(u => u.NormalizedEmail).ThenBy(u => u.Id),
        "lastLoginAt" => query.OrderBy(u => u.LastLoginAt == null).ThenBy(u => u.LastLoginAt).ThenBy(u => u.Id),
        "-lastLoginAt" => query.OrderBy(u => u.LastLoginAt == null).ThenByDescending(u => u.LastLoginAt).ThenBy(u => u.Id),
        _ => query.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id),
    };
}
