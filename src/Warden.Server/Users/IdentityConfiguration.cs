using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server.Users;

/// <summary>
/// ASP.NET Core Identity for Warden's accounts. The modules above plug in their parts: the password rules and the
/// user manager that keeps their history (Passwords), roles and the EF Core stores (Authorization).
/// </summary>
public static class IdentityConfiguration
{
    public static IServiceCollection AddWardenIdentity(this IServiceCollection services)
    {
        services.AddIdentityCore<User>(Configure);

        // Identity insists on a user name; in Warden it is optional and public, so Warden validates it.
        services.RemoveAll<IUserValidator<User>>();
        services.AddScoped<IUserValidator<User>, WardenUserValidator>();

        // One folding rule for emails and usernames, ASCII only: see AsciiLookupNormalizer.
        services.RemoveAll<ILookupNormalizer>();
        services.AddSingleton<ILookupNormalizer, AsciiLookupNormalizer>();

        // Replaces Identity's PBKDF2 PasswordHasher with Warden's (Argon2id, bounded concurrency).
        services.RemoveAll<IPasswordHasher<User>>();
        services.AddSingleton<IPasswordHasher<User>, WardenPasswordHasher<User>>();

        services.AddPersonalData<AccountPersonalData>();
        return services;
    }

    public static void Configure(IdentityOptions options)
    {
        ConfigureStores(options);
        options.User.RequireUniqueEmail = true;

        // Identity's own password rules are off: the Passwords module's validator enforces Warden:Passwords:*
        // instead, and these would otherwise describe (or, if its validator came back, enforce) a second policy.
        options.Password.RequiredLength = 0;
        options.Password.RequiredUniqueChars = 0;
        options.Password.RequireDigit = false;
        options.Password.RequireLowercase = false;
        options.Password.RequireUppercase = false;
        options.Password.RequireNonAlphanumeric = false;

        // Identity's lockout is per existing account, which tells an attacker which accounts exist.
        // Warden counts failures per identifier instead (Authentication module), so this one stays off.
        options.Lockout.AllowedForNewUsers = false;
    }

    public static void ConfigureStores(IdentityOptions options)
    {
        // Version 3 adds the passkey table that .NET 10's WebAuthn support uses.
        options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
        options.Stores.MaxLengthForKeys = 128;
    }
}
