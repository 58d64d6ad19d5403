using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Tokens;

/// <summary>
/// Columns that hold a credential (the password's date, the address, a second factor, the phone). Each module
/// declares its own with <see cref="OutstandingLinksRegistration.KillLinksOnChangeOf{T}"/>; nothing else needs to
/// remember to end the links.
/// </summary>
/// <param name="EntityType">The tracked entity.</param>
/// <param name="UserOf">Whose credential the row is.</param>
/// <param name="Properties">The credential columns; a row added or deleted with any of them set counts too.
/// None: every insertion or deletion of the row counts (a recovery code, a passkey).</param>
public sealed record CredentialColumns(Type EntityType, Func<object, Guid> UserOf, IReadOnlyList<string> Properties);

/// <summary>
/// Every outstanding emailed link of a user (reset, invitation, email change, verification) dies when one of
/// the user's credentials changes, in the very <c>SaveChanges</c> that writes the change: the spent-marks are
/// saved in the same statement batch, inside the caller's transaction when there is one, so no window opens
/// between the change and the link's death (no event handler that runs later, no second commit). A link issued
/// in that same unit of work (not yet in the database) is left alone; the token the change itself consumed
/// (the reset token of a reset) is already spent.
/// </summary>
/// <remarks>
/// Changes are recognised by value (original against current), not by EF's modified flag: Identity's
/// <c>UpdateAsync</c> marks every column modified, and a sign-in that rehashes the password changes no
/// credential. The password is therefore watched through the security stamp, which every path that replaces a
/// password rotates (Identity's password methods, through <c>PasswordChangingUserManager</c>) and a rehash
/// leaves alone.
/// </remarks>
internal sealed class OutstandingLinks(IEnumerable<CredentialColumns> watched, TimeProvider time) : SaveChangesInterceptor
{
    private readonly Dictionary<Type, CredentialColumns> _watched = watched.ToDictionary(w => w.EntityType);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context && ChangedUsers(context) is { Count: > 0 } users)
        {
            Spend(context, [.. Outstanding(context, users)]);
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && ChangedUsers(context) is { Count: > 0 } users)
        {
            Spend(context, await Outstanding(context, users).ToListAsync(cancellationToken));
        }

        return result;
    }

    private HashSet<Guid> ChangedUsers(DbContext context)
    {
        if (context.ChangeTracker.AutoDetectChangesEnabled)
        {
            context.ChangeTracker.DetectChanges();
        }

        var users = new HashSet<Guid>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (_watched.TryGetValue(entry.Metadata.ClrType, out var columns) && Changes(entry, columns))
            {
                users.Add(columns.UserOf(entry.Entity));
            }
        }

        return users;
    }

    private static bool Changes(EntityEntry entry, CredentialColumns columns) => entry.State switch
    {
        EntityState.Modified => columns.Properties.Any(p => !Equals(entry.Property(p).OriginalValue, entry.Property(p).CurrentValue)),
        EntityState.Added => columns.Properties.Count == 0 || columns.Properties.Any(p => IsSet(entry.Property(p).CurrentValue)),
        EntityState.Deleted => columns.Properties.Count == 0 || columns.Properties.Any(p => IsSet(entry.Property(p).OriginalValue)),
        _ => false,
    };

    private static bool IsSet(object? value) => value is not (null or false);

    private static IQueryable<AccountToken> Outstanding(DbContext context, HashSet<Guid> users) =>
        context.Set<AccountToken>().Where(t => users.Contains(t.UserId) && t.ConsumedAt == null);

    private void Spend(DbContext context, List<AccountToken> tokens)
    {
        var now = time.GetUtcNow();
        foreach (var token in tokens)
        {
            token.ConsumedAt = now;
        }

        if (tokens.Count > 0)
        {
            context.ChangeTracker.DetectChanges();
        }
    }
}

public static class OutstandingLinksRegistration
{
    /// <summary>Declares credential columns of <typeparamref name="T"/> (see <see cref="CredentialColumns"/>).</summary>
    public static IServiceCollection KillLinksOnChangeOf<T>(this IServiceCollection services, Func<T, Guid> userOf, params string[] properties)
        where T : class =>
        services.AddSingleton(new CredentialColumns(typeof(T), entity => userOf((T)entity), properties));

    internal static IServiceCollection AddOutstandingLinks(this IServiceCollection services)
    {
        services.AddSingleton<OutstandingLinks>();
        services.AddDbInterceptor<OutstandingLinks>();
        return services;
    }
}
