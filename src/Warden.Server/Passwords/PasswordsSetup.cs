using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
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
        services.AddOptions<PasswordPolicyOptions>().Bind(configuration.GetSection(PasswordPolicyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordPolicyOptions>, PasswordPolicyOptionsValidator>();
        services.AddOptions<PasswordLifecycleOptions>().Bind(configuration.GetSection(PasswordLifecycleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordLifecycleOptions>, PasswordLifecycleOptionsValidator>();
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
