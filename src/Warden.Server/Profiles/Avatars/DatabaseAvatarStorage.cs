using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Profiles.Avatars;

/// <summary>
/// Avatars in the <c>avatars</c> table, served by every node at <c>/avatars/{key}</c>. Each call works in a scope of
/// its own: an upload is stored before the profile points at it, outside the caller's unit of work, as a file
/// was (an image no profile points at is harmless and is reused by the same upload).
/// </summary>
public sealed class DatabaseAvatarStorage(IServiceScopeFactory scopes, IOptions<WardenOptions> options, TimeProvider time) : IAvatarStorage
{
    public const string RoutePrefix = "avatars";

    public async Task SaveAsync(Guid userId, string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        if (await db.Avatars.AnyAsync(a => a.Key == key, cancellationToken))
        {
            return; // content-addressed: the same key is the same bytes
        }

        db.Avatars.Add(new AvatarImage { Key = key, UserId = userId, Content = content.ToArray(), CreatedAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            if (!await KeyExistsAsync(key, cancellationToken))
            {
                throw;
            }

            // The same upload, on another request or node, was first.
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var content = await db.Avatars.AsNoTracking().Where(a => a.Key == key).Select(a => a.Content).SingleOrDefaultAsync(cancellationToken);
        return content is null ? null : new MemoryStream(content, writable: false);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        await db.Avatars.Where(a => a.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    public Uri PublicUrl(string key) => new(options.Value.PublicBaseUri, $"{RoutePrefix}/{key}");

    public string? KeyOf(string url)
    {
        var prefix = new Uri(options.Value.PublicBaseUri, $"{RoutePrefix}/").AbsoluteUri;
        if (!url.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var key = url[prefix.Length..];
        return AvatarKeys.IsValid(key) ? key : null;
    }

    private async Task<bool> KeyExistsAsync(string key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WardenDbContext>().Avatars.AnyAsync(a => a.Key == key, cancellationToken);
    }
}
