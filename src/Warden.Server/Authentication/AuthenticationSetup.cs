using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Passkeys;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Registration;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Authentication.PasswordChange;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Database;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication;

public static class AuthenticationSetup
{
    public static IServiceCollection AddWardenAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AuthenticationOptions, AuthenticationOptionsValidator>(configuration, AuthenticationOptions.Section);

        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

        services.AddMemoryCache();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<SessionActivity>();
        services.AddAccountViewCache();
        services.AddEventHandler<RecordLogoutActivity>();
        services.AddSingleton<DummyPasswordHash>();
        services.AddScoped<SessionIssuer>();
        services.AddScoped<SessionRevocation>();
        services.AddScoped<LoginThrottle>();
        services.AddScoped<CredentialStuffingGuard>();
        services.AddScoped<LoginChallenges>();
        services.AddScoped<SignInCompletion>();
        services.AddScoped<BrowserSessions>();
        services.AddScoped<AccountTokens>();
        services.AddOutstandingLinks();
        // Every password replacement rotates the security stamp (Identity does, in each of its password methods), and a
        // sign-in that only rehashes the password does not: the stamp, not the hash, says the password changed.
        services.KillLinksOnChangeOf<User>(u => u.Id,
            nameof(User.Email), nameof(User.SecurityStamp), nameof(User.PasswordChangedAt), nameof(User.TwoFactorEnabled));
        services.KillLinksOnChangeOf<IdentityUserPasskey<Guid>>(p => p.UserId);
        services.AddHostedService<ExpiredDataCleanup>();
        services.AddWardenRateLimits(configuration);
        services.AddWardenTwoFactor(configuration);
        services.AddWardenPasskeys(configuration);
        services.AddValidatedOptions<Migration.UpstreamOptions, Migration.UpstreamOptionsValidator>(configuration, Migration.UpstreamOptions.Section);
        services.AddScoped<Migration.UpstreamMigration>();
        services.AddOutboundHttpClient(Migration.UpstreamMigration.HttpClientName, sp => sp.GetRequiredService<IOptions<Migration.UpstreamOptions>>().Value.Timeout);

        services.AddEventHandler<SendVerificationEmail>();
        services.AddEventHandler<SendRegistrationAttemptNotice>();
        services.AddEventHandler<SendWelcomeEmail>();

        services.AddScoped<ExpiredPassword>();
        services.AddEventHandler<SendPasswordResetEmail>();
        services.AddEventHandler<SendPasswordChangedEmail>();

        services.AddScoped<Reauthentication>();
        services.AddPersonalData<SessionPersonalData>();
        services.AddPersonalData<AccountTokenPersonalData>();
        return services;
    }
}
