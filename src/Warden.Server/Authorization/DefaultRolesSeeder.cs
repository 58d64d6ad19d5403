using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authorization;

/// <summary>
/// The default permissions and roles (<see cref="DefaultRoles"/>). Only missing ones are created: an
/// administrator may have changed a default role on purpose.
/// </summary>
internal sealed partial class DefaultRolesSeeder(TimeProvider time, ILogger<DefaultRolesSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        if ((await SeedCheck.ValuesAsync<Permission>(db, nameof(Permission.Name), cancellationToken)).IsSupersetOf(DefaultRoles.Permissions.Keys)
            && (await SeedCheck.ValuesAsync<Role>(db, nameof(Role.Name), cancellationToken)).IsSupersetOf(DefaultRoles.Roles.Keys))
        {
            // Every start after the first: nothing missing, nothing loaded into the change tracker.
            return;
        }

        var now = time.GetUtcNow();

        var permissions = await db.Permissions.ToDictionaryAsync(p => p.Name, cancellationToken);
        foreach (var (name, description) in DefaultRoles.Permissions)
        {
            if (!permissions.ContainsKey(name))
            {
                var permission = new Permission { Name = name, Description = description, CreatedAt = now };
                db.Permissions.Add(permission);
                permissions[name] = permission;
            }
        }

        var roles = await db.Roles.Include(r => r.Permissions).ToDictionaryAsync(r => r.Name!, cancellationToken);
        foreach (var (name, granted) in DefaultRoles.Roles)
        {
            if (roles.ContainsKey(name))
            {
                continue;
            }

            var role = new Role(name) { NormalizedName = name.ToUpperInvariant(), CreatedAt = now, ConcurrencyStamp = Guid.NewGuid().ToString() };
            foreach (var permissionName in granted)
            {
                role.Permissions.Add(new RolePermission { RoleId = role.Id, Permission = permissions[permissionName] });
            }

            db.Roles.Add(role);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another node seeded at the same moment; the unique names kept the data whole.
            LogSeedRace(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Another node seeded the default roles concurrently")]
    private static partial void LogSeedRace(ILogger logger);
}
