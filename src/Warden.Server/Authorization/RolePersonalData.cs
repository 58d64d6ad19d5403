using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authorization;

/// <summary>The roles a user holds, who granted them and when.</summary>
public sealed class RolePersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "roles";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.UserRoles.AsNoTracking().Where(r => r.UserId == userId)
            .Select(r => new { Name = r.Role!.Name!, r.AssignedAt, r.AssignedBy })
            .ToListAsync(cancellationToken);

    public Task EraseAsync(Guid userId, CancellationToken cancellationToken) =>
        db.UserRoles.Where(r => r.UserId == userId).ExecuteDeleteAsync(cancellationToken);
}
