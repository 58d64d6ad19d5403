using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Profiles.Avatars;

/// <summary>
/// The upgrade from avatars kept as files under <c>&lt;data&gt;/avatars/</c> (before the <c>avatars</c> table): at
/// start and by <c>migrate</c>, every profile pointing at one of Warden's avatar URLs whose image is not in the table
/// yet gets it from that file, if this node has it. Safe to run again and on several nodes (each imports what it
/// has; a key already present is skipped). The files are left in place; once every node has started on this
/// version they can be deleted (docs/operations.md#upgrades-and-migrations).
/// </summary>
internal sealed class AvatarFileImport(IAvatarStorage storage, IOptions<WardenOptions> options, ILogger<AvatarFileImport> logger)
    : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var directory = options.Value.DataPath(DatabaseAvatarStorage.RoutePrefix);
        if (!Directory.Exists(directory))
        {
            return;
        }

        var db = services.GetRequiredService<WardenDbContext>();
        var pointing = await db.Profiles.AsNoTracking().Where(p => p.AvatarUrl != null)
            .Select(p => new { p.UserId, p.AvatarUrl }).ToListAsync(cancellationToken);
        var imported = 0;
        foreach (var profile in pointing)
        {
            if (storage.KeyOf(profile.AvatarUrl!) is not { } key || await db.Avatars.AnyAsync(a => a.Key == key, cancellationToken))
            {
                continue;
            }

            var path = Path.Combine(directory, key);
            if (File.Exists(path))
            {
                await storage.SaveAsync(profile.UserId, key, await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);
                imported++;
            }
        }

        if (imported > 0)
        {
            logger.LogInformation("Imported {Count} avatar files from {Directory} into the database; the files may be deleted once every node runs this version", imported, directory);
        }
    }
}
