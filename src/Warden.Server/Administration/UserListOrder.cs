using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// The user list's orders and the keyset predicate that continues each one after a <see cref="UserListCursor"/>.
/// Every order ends in the id, so it is total: pages never overlap or skip. Each direction runs the id the same way
/// as the key, so PostgreSQL walks one (key, id) index forwards or backwards instead of sorting.
/// </summary>
/// <remarks>
/// The predicates are written as <c>key &gt;= k AND (key &gt; k OR id &gt; i)</c> rather than the plain disjunction:
/// the first conjunct is one the index can seek to; the second only drops the ties already shown. Users who never
/// signed in sort last in both last-login orders, so those two continue across the null block explicitly.
/// </remarks>
public static class UserListOrder
{
    public static IQueryable<User> Sorted(IQueryable<User> query, string sort) => sort switch
    {
        "createdAt" => query.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id),
        "email" => query.OrderBy(u => u.NormalizedEmail).ThenBy(u => u.Id),
        "-email" => query.OrderByDescending(u => u.NormalizedEmail).ThenByDescending(u => u.Id),
        "lastLoginAt" => query.OrderBy(u => u.LastLoginAt == null).ThenBy(u => u.LastLoginAt).ThenBy(u => u.Id),
        "-lastLoginAt" => query.OrderBy(u => u.LastLoginAt == null).ThenByDescending(u => u.LastLoginAt).ThenByDescending(u => u.Id),
        _ => query.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id),
    };

    public static IQueryable<User> After(IQueryable<User> query, string sort, UserListCursor? cursor)
    {
        if (cursor is null)
        {
            return query;
        }

        var id = cursor.Id;
        switch (sort)
        {
            case "createdAt":
            {
                var at = cursor.Time!.Value;
                return query.Where(u => u.CreatedAt >= at && (u.CreatedAt > at || u.Id.CompareTo(id) > 0));
            }

            case "email":
            {
                var email = cursor.Key;
                return query.Where(u => u.NormalizedEmail!.CompareTo(email) >= 0
                    && (u.NormalizedEmail!.CompareTo(email) > 0 || u.Id.CompareTo(id) > 0));
            }

            case "-email":
            {
                var email = cursor.Key;
                return query.Where(u => u.NormalizedEmail!.CompareTo(email) <= 0
                    && (u.NormalizedEmail!.CompareTo(email) < 0 || u.Id.CompareTo(id) < 0));
            }

            case "lastLoginAt" when cursor.Time is { } at:
                return query.Where(u => u.LastLoginAt == null || (u.LastLoginAt >= at && (u.LastLoginAt > at || u.Id.CompareTo(id) > 0)));

            case "lastLoginAt":
                return query.Where(u => u.LastLoginAt == null && u.Id.CompareTo(id) > 0);

            case "-lastLoginAt" when cursor.Time is { } at:
                return query.Where(u => u.LastLoginAt == null || (u.LastLoginAt <= at && (u.LastLoginAt < at || u.Id.CompareTo(id) < 0)));

            case "-lastLoginAt":
                return query.Where(u => u.LastLoginAt == null && u.Id.CompareTo(id) < 0);

            default:
            {
                var at = cursor.Time!.Value;
                return query.Where(u => u.CreatedAt <= at && (u.CreatedAt < at || u.Id.CompareTo(id) < 0));
            }
        }
    }
}
