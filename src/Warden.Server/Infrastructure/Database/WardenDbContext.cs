using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Analytics;
using Warden.Server.Audit;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Authorization;
using Warden.Server.Profiles;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Events;
using Warden.Server.Passwords;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using Warden.Server.Webhooks;

namespace Warden.Server.Infrastructure.Database;

/// <summary>
/// The one model of Warden. Each provider has a subclass only so that it can carry its own migrations
/// (SQLite and PostgreSQL differ in column types); nothing else may differ between them.
/// </summary>
public abstract class WardenDbContext(DbContextOptions options)
    : IdentityDbContext<User, Role, Guid, IdentityUserClaim<Guid>, UserRole, IdentityUserLogin<Guid>,
        IdentityRoleClaim<Guid>, IdentityUserToken<Guid>, IdentityUserPasskey<Guid>>(options)
{
    public DbSet<Permission> Permissions => Set<Permission>();
    public DbSet<RolePermission> RolePermissions => Set<RolePermission>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<UserSession> Sessions => Set<UserSession>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<AccountToken> AccountTokens => Set<AccountToken>();
    public DbSet<LoginAttempt> LoginAttempts => Set<LoginAttempt>();
    public DbSet<LoginChallenge> LoginChallenges => Set<LoginChallenge>();
    public DbSet<Authentication.Passkeys.PasskeyChallenge> PasskeyChallenges => Set<Authentication.Passkeys.PasskeyChallenge>();
    public DbSet<UserProfile> Profiles => Set<UserProfile>();
    public DbSet<UserTwoFactor> TwoFactor => Set<UserTwoFactor>();
    public DbSet<RecoveryCode> RecoveryCodes => Set<RecoveryCode>();
    public DbSet<OneTimeCode> OneTimeCodes => Set<OneTimeCode>();
    public DbSet<Profiles.Settings.UserSettings> UserSettings => Set<Profiles.Settings.UserSettings>();
    public DbSet<Profiles.Phone.PhoneVerification> PhoneVerifications => Set<Profiles.Phone.PhoneVerification>();
    public DbSet<Profiles.Avatars.AvatarImage> Avatars => Set<Profiles.Avatars.AvatarImage>();
    public DbSet<PasswordHistoryEntry> PasswordHistory => Set<PasswordHistoryEntry>();
    public DbSet<PasswordExpiryReminder> PasswordExpiryReminders => Set<PasswordExpiryReminder>();
    public DbSet<HandlerCompletion> HandlerCompletions => Set<HandlerCompletion>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<DataProtectionKeyRecord> DataProtectionKeys => Set<DataProtectionKeyRecord>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<AuditHead> AuditHead => Set<AuditHead>();
    public DbSet<DailyStats> DailyStats => Set<DailyStats>();
    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<Http.IpRule> IpRules => Set<Http.IpRule>();
    public DbSet<Http.IpBlock> IpBlocks => Set<Http.IpBlock>();
    public DbSet<IpSignInFailure> IpSignInFailures => Set<IpSignInFailure>();
    public DbSet<Oidc.OidcApplication> OidcApplications => Set<Oidc.OidcApplication>();
    public DbSet<Oidc.OidcAuthorization> OidcAuthorizations => Set<Oidc.OidcAuthorization>();
    public DbSet<Oidc.OidcScope> OidcScopes => Set<Oidc.OidcScope>();
    public DbSet<Oidc.OidcToken> OidcTokens => Set<Oidc.OidcToken>();
    public DbSet<Authentication.External.IdentityProvider> IdentityProviders => Set<Authentication.External.IdentityProvider>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");
        builder.Entity<IdentityUserPasskey<Guid>>().ToTable("user_passkeys");

        builder.ApplyConfigurationsFromAssembly(typeof(WardenDbContext).Assembly);

        if (Provider == DatabaseProvider.Postgres)
        {
            Administration.UserSearchIndexes.ConfigurePostgres(builder);
        }

        SnakeCaseNaming.Apply(builder);
    }

    public abstract DatabaseProvider Provider { get; }
}
