using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;
using Warden.Server.Events;

namespace Warden.Server.Passwords;

public static class PasswordsSetup
{
    /// <summary>
    /// The password rules: policy, history, expiry and its reminders. Identity is pointed at them here: Warden's
    /// policy replaces Identity's validator (which would report a subset of the same rules a second time under
    /// other codes), and the user manager records history and the change date on every path that sets a password.
    /// </summary>
    public static IServiceCollection AddWardenPasswords(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PasswordPolicyOptions, PasswordPolicyOptionsValidator>(configuration, PasswordPolicyOptions.Section);
        services.AddValidatedOptions<PasswordLifecycleOptions, PasswordLifecycleOptionsValidator>(configuration, PasswordLifecycleOptions.Section);
        services.AddSingleton(_ => CommonPasswords.Shared);
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<PasswordExpiry>();
        services.AddScoped<PasswordHistory>();
        services.AddHostedService<PasswordExpiryReminders>();
        services.AddEventHandler<SendPasswordExpiryReminder>();

        services.RemoveAll<IPasswordValidator<User>>();
        services.AddScoped<IPasswordValidator<User>, PasswordPolicyValidator>();
        new IdentityBuilder(typeof(User), services).AddUserManager<PasswordChangingUserManager>();

        services.AddPersonalData<PasswordPersonalData>();
        return services;
    }
}
