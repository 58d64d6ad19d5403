using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// The first administrator: the one configured (<c>Warden:Bootstrap:AdminEmail</c>/<c>AdminPassword</c>),
/// or, on an empty database without one, <see cref="GeneratedAdminEmail"/> with a generated password printed
/// once. A configured administrator that cannot be created stops the start naming the key: a server nobody can
/// administer is worse than one that does not start.
/// </summary>
public sealed partial class BootstrapAdministrator(IOptions<BootstrapOptions> bootstrap, TimeProvider time, ILogger<BootstrapAdministrator> logger)
    : IDatabaseSeeder
{
    public const string GeneratedAdminEmail = "admin@warden.local";

    public async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var options = bootstrap.Value;
        if (!string.IsNullOrWhiteSpace(options.AdminEmail) || !string.IsNullOrEmpty(options.AdminPassword))
        {
            if (string.IsNullOrWhiteSpace(options.AdminEmail) || string.IsNullOrEmpty(options.AdminPassword))
            {
                throw Refused("AdminEmail and AdminPassword are set together, or neither.");
            }

            var users = services.GetRequiredService<UserManager<User>>();
            // The plain check first (SeedCheck): on every start after the first the administrator exists.
            if (!await SeedCheck.AnyAsync<User>(db, nameof(User.NormalizedEmail), users.NormalizeEmail(options.AdminEmail), cancellationToken)
                && await users.FindByEmailAsync(options.AdminEmail) is null)
            {
                var created = await CreateAsync(services, options.AdminEmail, options.AdminPassword, time.GetUtcNow(), cancellationToken);
                if (!created.Succeeded)
                {
                    throw Refused($"the administrator {options.AdminEmail} cannot be created: " +
                        string.Join("; ", created.Errors.Select(e => e.Description)));
                }

                LogBootstrapAdmin(logger, options.AdminEmail);
            }

            return;
        }

        if (await SeedCheck.AnyAsync<User>(db, cancellationToken))
        {
            return;
        }

        var password = GeneratePassword();
        var generated = await CreateAsync(services, GeneratedAdminEmail, password, time.GetUtcNow(), cancellationToken);
        if (!generated.Succeeded)
        {
            throw new InvalidOperationException("The generated administrator could not be created: " +
                string.Join("; ", generated.Errors.Select(e => e.Description)));
        }

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

    /// <summary>Creates an active, verified user holding the admin role (also the <c>create-admin</c> command).</summary>
    public static async Task<IdentityResult> CreateAsync(
        IServiceProvider services, string email, string password, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var users = services.GetRequiredService<UserManager<User>>();
        var db = services.GetRequiredService<WardenDbContext>();
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

    private static OptionsValidationException Refused(string why) =>
        new(BootstrapOptions.Section, typeof(BootstrapOptions), [$"{BootstrapOptions.Section}:AdminPassword: {why}"]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the bootstrap administrator {Email}")]
    private static partial void LogBootstrapAdmin(ILogger logger, string email);
}
