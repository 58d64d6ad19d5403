using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Infrastructure.Database;

/// <summary>Brings a database to the current schema and makes sure the defaults exist.</summary>
public sealed partial class DatabaseInitializer(
    IServiceScopeFactory scopes,
    IOptions<BootstrapOptions> bootstrap,
    IOptions<WardenOptions> warden,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger)
{
    public const string GeneratedAdminEmail = "admin@warden.local";

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(warden.Value.DataPath());
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            // EF Core takes a database-wide migration lock (an advisory lock on PostgreSQL, a lock row on
            // SQLite), so several nodes starting together migrate one at a time and the others then find
            // nothing pending.
            LogMigrating(logger, pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (db.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers proceed while one writer commits; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    public async Task<bool> HasPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any();
    }

    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
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
            // Only missing roles are created: an administrator may have changed a default role on purpose.
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

        await EnsureBootstrapAdminAsync(scope.ServiceProvider, cancellationToken);
    }

    private async Task EnsureBootstrapAdminAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var options = bootstrap.Value;
        if (!string.IsNullOrWhiteSpace(options.AdminEmail) && !string.IsNullOrEmpty(options.AdminPassword))
        {
            var users = services.GetRequiredService<UserManager<User>>();
            if (await users.FindByEmailAsync(options.AdminEmail) is null)
            {
                var created = await CreateAdminAsync(services, options.AdminEmail, options.AdminPassword, cancellationToken);
                if (!created.Succeeded)
                {
                    // Most likely the configured password fails the password policy; say so rather than start without an admin silently.
                    LogBootstrapAdminRefused(logger, options.AdminEmail, string.Join("; ", created.Errors.Select(e => e.Description)));
                    return;
                }

                LogBootstrapAdmin(logger, options.AdminEmail);
            }

            return;
        }

        if (await db.Users.AnyAsync(cancellationToken))
        {
            return;
        }

        var password = GeneratePassword();
        await CreateAdminAsync(services, GeneratedAdminEmail, password, cancellationToken);

        // Printed once, to the console only (not the log pipeline, which may be shipped elsewhere).
        Console.WriteLine();
        Console.WriteLine("==================================================================");
        Console.WriteLine(" Warden created the first administrator:");
        Console.WriteLine($"   email:    {GeneratedAdminEmail}");
        Console.WriteLine($"   password: {password}");
        Console.WriteLine(" This password is shown only now. Sign in and change it.");
        Console.WriteLine("==================================================================");
        Console.WriteLine();
    }

    /// <summary>Creates an active, verified user holding the admin role.</summary>
    public async Task<IdentityResult> CreateAdminAsync(IServiceProvider services, string email, string password, CancellationToken cancellationToken)
    {
        var users = services.GetRequiredService<UserManager<User>>();
        var db = services.GetRequiredService<WardenDbContext>();
        var now = time.GetUtcNow();
        var user = new User
        {
            Email = email,
            EmailConfirmed = true,
            EmailVerifiedAt = now,
            Status = UserStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
            PasswordChangedAt = now,
        };

        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            return result;
        }

        var adminRole = await db.Roles.SingleAsync(r => r.Name == DefaultRoles.Admin, cancellationToken);
        db.UserRoles.Add(new UserRole { UserId = user.Id, RoleId = adminRole.Id, AssignedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }

    internal static string GeneratePassword()
    {
        const string lower = "abcdefghijkmnopqrstuvwxyz";
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        const string digits = "23456789";
        const string special = "!#%+-=?@_";
        const string all = lower + upper + digits + special;
        var chars = new char[20];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }

        // One of each class at random positions, so every password policy Warden ships with is met.
        string[] classes = [lower, upper, digits, special];
        var positions = Enumerable.Range(0, chars.Length).OrderBy(_ => RandomNumberGenerator.GetInt32(1000)).Take(4).ToArray();
        for (var i = 0; i < classes.Length; i++)
        {
            chars[positions[i]] = classes[i][RandomNumberGenerator.GetInt32(classes[i].Length)];
        }

        return new string(chars);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s): {Migrations}")]
    private static partial void LogMigrating(ILogger logger, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another node seeded the defaults concurrently")]
    private static partial void LogSeedRace(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the bootstrap administrator {Email}")]
    private static partial void LogBootstrapAdmin(ILogger logger, string email);

    [LoggerMessage(Level = LogLevel.Error, Message = "The bootstrap administrator {Email} was not created: {Errors}")]
    private static partial void LogBootstrapAdminRefused(ILogger logger, string email, string errors);
}

/// <summary>Migrates (when configured) and seeds before the server accepts requests.</summary>
internal sealed class DatabaseStartup(DatabaseInitializer initializer, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await initializer.MigrateAsync(cancellationToken);
        }
        else if (await initializer.HasPendingMigrationsAsync(cancellationToken))
        {
            // A rolling deployment migrates with `migrate` from one place; until then this node stays
            // up but not ready, and /health/ready says why.
            logger.LogWarning("Migrations are pending and Warden:Database:MigrateOnStart is off; run `migrate`. Not ready until then");
            return;
        }

        await initializer.SeedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
