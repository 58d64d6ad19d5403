using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Passwords;

namespace Warden.Server.Users;

public static class IdentityConfiguration
{
    public static IServiceCollection AddWardenIdentity(this IServiceCollection services)
    {
        services.AddIdentityCore<User>(Configure)
            .AddRoles<Role>()
            .AddEntityFrameworkStores<WardenDbContext>()
            .AddUserManager<PasswordChangingUserManager>();

        // Identity insists on a user name; in Warden it is optional and public, so Warden validates it.
        services.RemoveAll<IUserValidator<User>>();
        services.AddScoped<IUserValidator<User>, WardenUserValidator>();

        // Warden's password policy (Passwords module) replaces Identity's validator, which would report a
        // subset of the same rules a second time under other codes.
        services.RemoveAll<IPasswordValidator<User>>();
        services.AddScoped<IPasswordValidator<User>, PasswordPolicyValidator>();
        return services;
    }

    public static void Configure(IdentityOptions options)
    {
        ConfigureStores(options);
        options.User.RequireUniqueEmail = true;

        // Identity's own password rules are off: PasswordPolicyValidator enforces Warden:Passwords:* instead,
        // and these would otherwise describe (or, if its validator came back, enforce) a second policy.
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
