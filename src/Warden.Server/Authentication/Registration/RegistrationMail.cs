using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Notifications;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Registration;

/// <summary>
/// <c>user.registered</c> or <c>user.verification_requested</c> → a fresh single-use verification token, mailed.
/// The token is made here, after commit, so it never sits in an event or a request log.
/// </summary>
public sealed class SendVerificationEmail(
    WardenDbContext db, AccountTokens tokens, AccountMailer mailer, PublicLinks links, IOptions<AuthenticationOptions> options) : IEventHandler
{
    public string Name => "registration.send-verification-email";

    public bool CanHandle(string eventType) => eventType is EventTypes.UserRegistered or EventTypes.VerificationRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var userId = JsonSerializer.Deserialize<Subject>(message.Data, JsonSerializerOptions.Web)!.UserId;
        var pending = await db.Users.AnyAsync(u => u.Id == userId && u.Status == UserStatus.PendingVerification, cancellationToken);
        if (!pending)
        {
            return; // verified (or gone) meanwhile: a link now would only confuse
        }

        var lifetime = options.Value.EmailVerificationTokenLifetime;
        var token = await tokens.IssueAsync(userId, AccountTokenPurpose.EmailVerification, lifetime, cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken); // the token must exist before anyone can click the link

        // No name: whoever registered chose it, and this goes to an address they may not own (AccountMailer
        // greets an unverified address by the address itself).
        await mailer.SendAsync(userId, EmailTemplateNames.VerifyEmail, new Dictionary<string, string>
        {
            ["link"] = links.Build("/account/verify-email", ("token", token)),
            ["token"] = token,
            ["expiresHours"] = ((int)lifetime.TotalHours).ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
    }

    private sealed record Subject(Guid UserId);
}

/// <summary>
/// <c>user.registration_attempted</c> → tell the owner someone tried to register their address. The caller
/// of the API got the same answer as for a new address; only the mailbox owner learns the truth.
/// </summary>
public sealed class SendRegistrationAttemptNotice(AccountMailer mailer, PublicLinks links) : IEventHandler
{
    public string Name => "registration.send-attempt-notice";

    public bool CanHandle(string eventType) => eventType == EventTypes.RegistrationAttempted;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        message.Subject is { } userId
            ? mailer.SendAsync(userId, EmailTemplateNames.RegistrationAttempt, new Dictionary<string, string>
            {
                ["loginLink"] = links.Build("/account/login"),
                ["resetLink"] = links.Build("/account/forgot-password"),
            }, cancellationToken)
            : Task.CompletedTask;
}

/// <summary><c>user.email_verified</c> → the welcome email.</summary>
public sealed class SendWelcomeEmail(AccountMailer mailer) : IEventHandler
{
    public string Name => "registration.send-welcome-email";

    public bool CanHandle(string eventType) => eventType == EventTypes.UserEmailVerified;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        message.Subject is { } userId
            ? mailer.SendAsync(userId, EmailTemplateNames.Welcome, new Dictionary<string, string>(), cancellationToken)
            : Task.CompletedTask;
}
