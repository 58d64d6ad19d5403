using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

public static class AuthorizationSetup
{
    public const string DefaultRulesResource = "Warden.Server.Authorization.default-rules.json";

    public static IServiceCollection AddWardenAuthorization(this IServiceCollection services, IConfiguration configuration)
    {
        AddDefaultRules(configuration);
        services.AddValidatedOptions<WardenAuthorizationOptions, WardenAuthorizationOptionsValidator>(configuration, WardenAuthorizationOptions.Section);

        services.AddAuthorization();
        services.AddMemoryCache();
        services.RemoveAll<IAuthorizationPolicyProvider>();
        services.AddSingleton<IAuthorizationPolicyProvider, PermissionPolicyProvider>();
        services.AddScoped<IAuthorizationHandler, PermissionAuthorizationHandler>();
        services.AddSingleton<PermissionService>();
        services.AddSingleton<PolicyRuleSet>();
        services.AddSingleton<AccessPolicy>();
        services.AddScoped<Check.CheckCallers>();

        // Identity's roles and its EF Core stores, which need the role type to manage user_roles.
        new IdentityBuilder(typeof(User), typeof(Role), services).AddRoles<Role>().AddEntityFrameworkStores<WardenDbContext>();
        services.AddDatabaseSeeder<DefaultRolesSeeder>();
        services.AddPersonalData<RolePersonalData>();
        return services;
    }

    /// <summary>
    /// The default rules (default-rules.json, shipped inside the assembly) become the FIRST configuration source,
    /// so appsettings.json, environment variables and the command line override them rule by rule and field by
    /// field (<c>Warden__Authorization__Rules__adminStepUp__Enabled=true</c>). Embedded rather than in
    /// appsettings.json so that starting Warden from another working directory cannot silently drop them.
    /// </summary>
    private static void AddDefaultRules(IConfiguration configuration)
    {
        if (configuration is not IConfigurationBuilder builder)
        {
            return;
        }

        using var stream = typeof(AuthorizationSetup).Assembly.GetManifestResourceStream(DefaultRulesResource)
            ?? throw new InvalidOperationException($"The embedded resource {DefaultRulesResource} is missing.");
        var defaults = new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable().Where(kv => kv.Value is not null);
        builder.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults.ToList() });
    }
}
