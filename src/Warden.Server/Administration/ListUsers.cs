using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
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

/// <summary>
/// A page of the user list. <c>nextCursor</c> continues it (null on the last page). <c>total</c> is exact up to
/// <see cref="AdministrationOptions.ListExactCountLimit"/> matches; beyond that the limit itself (<c>atLeast</c>), except
/// for the unfiltered list on PostgreSQL, which reports the planner's estimate whenever that is past the limit
/// (<c>estimate</c>): an exact count of a million rows would cost more than every page a person reads.
/// </summary>
public sealed record AdminUserPage(IReadOnlyList<AdminUserSummary> Items, int Size, string? NextCursor, long Total, string TotalKind);

/// <summary>
/// <c>GET /api/v1/admin/users?cursor=&amp;size=&amp;search=&amp;status=&amp;role=&amp;twoFactor=&amp;createdFrom=&amp;createdTo=&amp;sort=</c>, paged by keyset
/// (<see cref="UserListCursor"/>). The search is a case-insensitive substring of email, username or profile name,
/// at least <see cref="ShortestSearch"/> characters, with <c>%</c>, <c>_</c> and <c>\</c> taken literally. On
/// PostgreSQL it is ILIKE, served by pg_trgm GIN indexes (<see cref="UserSearchIndexes"/>; a shorter term has no trigram and
/// would scan the table, hence the minimum); on SQLite LIKE, which folds ASCII case only. Erased users are listed
/// only with <c>status=deleted</c>.
/// </summary>
public static class ListUsers
{
    public const int MaxSize = 100;
    public const int ShortestSearch = 3;

    // No column holds more than this (email 254, username 256, name 200): a longer search matches nothing.
    private const int LongestSearchable = 256;

    public static readonly IReadOnlyList<string> Sorts = ["createdAt", "-createdAt", "email", "-email", "lastLoginAt", "-lastLoginAt"];

    public static async Task<Results<Ok<AdminUserPage>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        ClaimsPrincipal principal,
        AccessPolicy policy,
        WardenDbContext db,
        IDataProtectionProvider protection,
        IOptions<AdministrationOptions> options,
        HttpContext http,
        CancellationToken cancellationToken,
        string? cursor = null,
        int? size = null,
        string? search = null,
        string? status = null,
        string? role = null,
        string? sort = null,
        int? page = null,
        bool? twoFactor = null,
        DateTimeOffset? createdFrom = null,
        DateTimeOffset? createdTo = null)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminUsersRead, PolicyResource.Of(PolicyResourceTypes.User), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var s = size ?? 20;
        var errors = new Dictionary<string, string[]>();
        if (page is not null)
        {
            // Offset pages cost more the deeper they go; a caller still sending them gets told, not page one again.
            errors["page"] = ["Pages are reached by cursor: pass the previous page's nextCursor as 'cursor'."];
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

        UserListCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (cursor.Length > 2048 || !UserListCursor.TryOpen(protection, cursor, sort, out after)))
        {
            errors["cursor"] = ["The cursor is not one this list gave out for this sort."];
        }

        var term = search?.Trim();
        if (!string.IsNullOrEmpty(term) && term.Length < ShortestSearch)
        {
            errors["search"] = [$"A search has at least {ShortestSearch} characters."];
        }

        if (createdFrom is not null && createdTo is not null && createdFrom > createdTo)
        {
            errors["createdTo"] = ["createdTo is not before createdFrom."];
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

        if (twoFactor is { } enabled)
        {
            query = query.Where(u => u.TwoFactorEnabled == enabled);
        }

        if (createdFrom is { } fromInstant)
        {
            query = query.Where(u => u.CreatedAt >= fromInstant);
        }

        if (createdTo is { } toInstant)
        {
            query = query.Where(u => u.CreatedAt < toInstant);
        }

        IReadOnlyList<IQueryable<User>>? branches = null;
        if (!string.IsNullOrEmpty(term))
        {
            // Nothing longer than any column can match; nor can control characters, which no email, username or
            // name may hold. A NUL would even end the pattern early in SQLite (widening it to everything) and is
            // refused outright by PostgreSQL.
            if (term.Length > LongestSearchable || term.Any(char.IsControl))
            {
                return TypedResults.Ok(new AdminUserPage([], s, null, 0, "exact"));
            }

            // Built outside the predicates: a method call inside one would be evaluated by EF Core on every request
            // (compiled to a delegate, then JIT-compiled), which cost more CPU than the search itself.
            branches = Matching(db, query, "%" + EscapeLike(term) + "%");
        }

        var rows = new List<ListedUser>(s + 1);
        var segments = UserListOrder.Segments(query, sort, after);
        for (var k = 0; k < segments.Count; k++)
        {
            var wanted = s + 1 - rows.Count;
            var segment = segments[k];
            if (branches is not null)
            {
                // Each branch takes its own first rows in the page's order, and the page is the first of their union:
                // PostgreSQL then plans each branch alone — a trigram bitmap scan for a rare term, a walk down the
                // order's index for a common one (a domain: every 60th user), where the union of every match took a
                // second for the page and again for the count (bench/RESULTS.md, "Admin search on varied addresses").
                var index = k;
                var firstOfEach = branches
                    .Select(branch => UserListOrder.Segments(branch, sort, after)[index].Take(wanted).Select(u => u.Id))
                    .Aggregate((a, b) => a.Union(b));
                segment = UserListOrder.Segments(query.Where(u => firstOfEach.Contains(u.Id)), sort, after)[k];
            }

            rows.AddRange(await segment
                .Take(wanted)
                .Select(u => new ListedUser(
                    u.Id,
                    u.Email,
                    u.NormalizedEmail,
                    u.UserName,
                    db.Profiles.Where(pr => pr.UserId == u.Id).Select(pr => pr.FullName).FirstOrDefault(),
                    u.Status,
                    u.EmailVerifiedAt,
                    u.CreatedAt,
                    u.LastLoginAt))
                .ToListAsync(cancellationToken));
            if (rows.Count > s)
            {
                break;
            }
        }

        // The first page, when it is also the last, has counted its matches already: the typical search for one
        // person costs one query, not two.
        var (total, totalKind) = after is null && rows.Count <= s
            ? (rows.Count, "exact")
            : await CountAsync(db, query, branches, statusFilter is null && string.IsNullOrEmpty(role) && string.IsNullOrEmpty(term)
                && twoFactor is null && createdFrom is null && createdTo is null, options.Value.ListExactCountLimit, cancellationToken);

        string? next = null;
        if (rows.Count > s)
        {
            rows.RemoveAt(s);
            var last = rows[^1];
            next = (sort.TrimStart('-') switch
            {
                "email" => UserListCursor.After(sort, last.NormalizedEmail ?? "", last.Id),
                "lastLoginAt" => UserListCursor.After(sort, last.LastLoginAt, last.Id),
                _ => UserListCursor.After(sort, last.CreatedAt, last.Id),
            }).Seal(protection);
        }

        var ids = rows.Select(r => r.Id).ToList();
        var roles = (await db.UserRoles.AsNoTracking()
                .Where(ur => ids.Contains(ur.UserId))
                .Select(ur => new { ur.UserId, Name = ur.Role!.Name! })
                .ToListAsync(cancellationToken))
            .ToLookup(r => r.UserId, r => r.Name);

        var items = rows.Select(r => new AdminUserSummary(
            r.Id, r.Email!, r.UserName, r.Name, r.Status.ToWire(), r.EmailVerifiedAt is not null,
            [.. roles[r.Id].Order(StringComparer.Ordinal)], r.CreatedAt, r.LastLoginAt)).ToList();
        return TypedResults.Ok(new AdminUserPage(items, s, next, total, totalKind));
    }

    private sealed record ListedUser(
        Guid Id, string? Email, string? NormalizedEmail, string? UserName, string? Name, UserStatus Status,
        DateTimeOffset? EmailVerifiedAt, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

    /// <summary>
    /// The unfiltered list on PostgreSQL asks the planner's row estimate first (free, refreshed by autovacuum) and,
    /// when that is past <paramref name="limit"/>, answers it without counting: counting the limit's ten thousand
    /// rows on every page was the most expensive part of paging through a million users (bench/RESULTS.md). Anything
    /// else counts at most <paramref name="limit"/> + 1 rows and past that reports the limit as a lower bound.
    /// </summary>
    private static async Task<(long Total, string Kind)> CountAsync(
        WardenDbContext db, IQueryable<User> query, IReadOnlyList<IQueryable<User>>? branches, bool unfiltered, int limit, CancellationToken cancellationToken)
    {
        if (unfiltered && db.Provider == DatabaseProvider.Postgres)
        {
            var estimate = await db.Database
                .SqlQueryRaw<long>("SELECT reltuples::bigint AS \"Value\" FROM pg_class WHERE oid = to_regclass('users')")
                .FirstOrDefaultAsync(cancellationToken);
            if (estimate > limit)
            {
                return (estimate, "estimate");
            }
        }

        if (branches is not null)
        {
            // Each branch stops at the limit on its own: when neither reaches it their union is every match (exact),
            // and when one does the union holds more than the limit. The union of all matches, counted, cost half a
            // second for a search matching 15,000 of a million users.
            var firstOfEach = branches.Select(branch => branch.Select(u => u.Id).Take(limit + 1)).Aggregate((a, b) => a.Union(b));
            var counted = await firstOfEach.CountAsync(cancellationToken);
            return counted <= limit ? (counted, "exact") : (limit, "atLeast");
        }

        var capped = await query.Take(limit + 1).CountAsync(cancellationToken);
        return capped <= limit ? (capped, "exact") : (limit, "atLeast");
    }

    // Between email and username in the indexed expression (UserSearchIndexes): a control character, which no
    // accepted term holds (see above), so no term matches across the two. A constant, so that EF Core writes it into
    // the SQL as a literal (a parameter would not be the index's expression).
    private const string Separator = "\u001f";

    /// <summary>
    /// The users among <paramref name="query"/> whose email, username or profile name contain the pattern, as branches
    /// whose union is the answer: each a simple predicate, so that on PostgreSQL each can use its own trigram index (an
    /// OR across a join could not), and each can be ordered and cut short on its own. There email and username are
    /// matched as one expression, the one <see cref="UserSearchIndexes.UsersIndex"/> indexes: one index scan, not two
    /// over the same common trigrams.
    /// </summary>
    internal static IReadOnlyList<IQueryable<User>> Matching(WardenDbContext db, IQueryable<User> query, string pattern)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            return
            [
                query.Where(u => EF.Functions.ILike((u.Email ?? "") + Separator + (u.UserName ?? ""), pattern, @"\")),
                query.Where(u => db.Profiles.Any(pr => pr.UserId == u.Id && EF.Functions.ILike(pr.FullName!, pattern, @"\"))),
            ];
        }

        return
        [
            query.Where(u => EF.Functions.Like(u.Email!, pattern, @"\") || EF.Functions.Like(u.UserName!, pattern, @"\")),
            query.Where(u => db.Profiles.Any(pr => pr.UserId == u.Id && EF.Functions.Like(pr.FullName!, pattern, @"\"))),
        ];
    }

    /// <summary>Makes every character of the search literal in a LIKE pattern with escape character <c>\</c>.</summary>
    public static string EscapeLike(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);
}
