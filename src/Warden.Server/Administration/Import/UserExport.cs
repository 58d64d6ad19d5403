using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Administration.Import;

/// <summary>
/// <c>warden export-users</c>: every account that is not erased, in the import format (<see cref="ImportLine"/>), a
/// page of 1,000 at a time in id order (keyset, so memory stays at one page). Password hashes only when asked for
/// explicitly: they are the most sensitive thing Warden stores, and an export without them still moves users
/// (they get an invitation when imported elsewhere).
/// </summary>
public static class UserExport
{
    public const int PageSize = 1000;

    public static async Task<long> WriteAsync(WardenDbContext db, TextWriter output, bool includePasswordHashes, CancellationToken cancellationToken)
    {
        long written = 0;
        Guid? after = null;
        while (true)
        {
            var query = db.Users.AsNoTracking().Where(u => u.Status != UserStatus.Deleted);
            if (after is { } last)
            {
                query = query.Where(u => u.Id.CompareTo(last) > 0);
            }

            // The profile's fields as scalar subqueries and the roles in a statement of their own: a row's
            // FirstOrDefault() and a collection in the page's projection made SQLite number every profile and build
            // every user's roles for each page (no LATERAL join; see AccountViewCache.LoadForTokenAsync), an export
            // of a million users a thousand times over.
            var page = await query.OrderBy(u => u.Id).Take(PageSize)
                .Select(u => new
                {
                    u.Id,
                    u.Email,
                    u.EmailConfirmed,
                    u.UserName,
                    u.PasswordHash,
                    FullName = db.Profiles.Where(p => p.UserId == u.Id).Select(p => p.FullName).FirstOrDefault(),
                    FirstName = db.Profiles.Where(p => p.UserId == u.Id).Select(p => p.FirstName).FirstOrDefault(),
                    LastName = db.Profiles.Where(p => p.UserId == u.Id).Select(p => p.LastName).FirstOrDefault(),
                })
                .ToListAsync(cancellationToken);
            var ids = page.Select(u => u.Id).ToList();
            var roles = (await db.UserRoles.AsNoTracking()
                    .Where(ur => ids.Contains(ur.UserId))
                    .Select(ur => new { ur.UserId, Name = ur.Role!.Name! })
                    .ToListAsync(cancellationToken))
                .ToLookup(r => r.UserId, r => r.Name);
            foreach (var user in page)
            {
                var line = new ImportLine(
                    user.Email, user.EmailConfirmed, user.UserName, user.FullName, user.FirstName, user.LastName,
                    [.. roles[user.Id].Order(StringComparer.Ordinal)], includePasswordHashes ? user.PasswordHash : null);
                await output.WriteLineAsync(JsonSerializer.Serialize(line, ImportLine.Json).AsMemory(), cancellationToken);
                written++;
            }

            if (page.Count < PageSize)
            {
                return written;
            }

            after = page[^1].Id;
        }
    }
}
