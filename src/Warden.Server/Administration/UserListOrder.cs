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
/// signed in sort last in both last-login orders (see <see cref="Segments"/>).
/// </remarks>
public static class UserListOrder
{
    /// <summary>
    /// The list continued after <paramref name="cursor"/>, as one or two ordered queries read one after the other.
    /// The last-login orders are two: those who signed in, by time, then those who never did, by id. A single
    /// <c>ORDER BY last_login_at IS NULL, ...</c> would put the nulls last on both providers but no index serves it
    /// (PostgreSQL sorted all million rows for a page); each part alone walks the (last_login_at, id) index.
    /// </summary>
    public static IReadOnlyList<IQueryable<User>> Segments(IQueryable<User> query, string sort, UserListCursor? cursor)
    {
        var id = cursor?.Id ?? Guid.Empty;
        switch (sort)
        {
            case "createdAt":
            {
                if (cursor?.Time is { } at)
                {
                    query = query.Where(u => u.CreatedAt >= at && (u.CreatedAt > at || u.Id.CompareTo(id) > 0));
                }

                return [query.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)];
            }

            case "email":
            {
                if (cursor?.Key is { } email)
                {
                    query = query.Where(u => u.NormalizedEmail!.CompareTo(email) >= 0 && (u.NormalizedEmail!.CompareTo(email) > 0 || u.Id.CompareTo(id) > 0));
                }

                return [query.OrderBy(u => u.NormalizedEmail).ThenBy(u => u.Id)];
            }

            case "-email":
            {
                if (cursor?.Key is { } email)
                {
                    query = query.Where(u => u.NormalizedEmail!.CompareTo(email) <= 0 && (u.NormalizedEmail!.CompareTo(email) < 0 || u.Id.CompareTo(id) < 0));
                }

                return [query.OrderByDescending(u => u.NormalizedEmail).ThenByDescending(u => u.Id)];
            }

            case "lastLoginAt":
            {
                var never = query.Where(u => u.LastLoginAt == null);
                if (cursor is not null && cursor.Time is null)
                {
                    return [never.Where(u => u.Id.CompareTo(id) > 0).OrderBy(u => u.Id)];
                }

                var signedIn = query.Where(u => u.LastLoginAt != null);
                if (cursor?.Time is { } at)
                {
                    signedIn = signedIn.Where(u => u.LastLoginAt >= at && (u.LastLoginAt > at || u.Id.CompareTo(id) > 0));
                }

                return [signedIn.OrderBy(u => u.LastLoginAt).ThenBy(u => u.Id), never.OrderBy(u => u.Id)];
            }

            case "-lastLoginAt":
            {
                var never = query.Where(u => u.LastLoginAt == null);
                if (cursor is not null && cursor.Time is null)
                {
                    return [never.Where(u => u.Id.CompareTo(id) < 0).OrderByDescending(u => u.Id)];
                }

                var signedIn = query.Where(u => u.LastLoginAt != null);
                if (cursor?.Time is { } at)
                {
                    signedIn = signedIn.Where(u => u.LastLoginAt <= at && (u.LastLoginAt < at || u.Id.CompareTo(id) < 0));
                }

                return [signedIn.OrderByDescending(u => u.LastLoginAt).ThenByDescending(u => u.Id), never.OrderByDescending(u => u.Id)];
            }

            default:
            {
                if (cursor?.Time is { } at)
                {
                    query = query.Where(u => u.CreatedAt <= at && (u.CreatedAt < at || u.Id.CompareTo(id) < 0));
                }

                return [query.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id)];
            }
        }
    }
}
