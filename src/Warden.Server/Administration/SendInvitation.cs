using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Notifications;
using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// <c>user.registered</c> with <c>invited: true</c> (an administrator created the account), or
/// <c>user.invitation_requested</c> (an administrator sends it again) → a single-use invitation token, mailed as a
/// set-password link (<c>/account/invitation?token=...</c>, the invitation page, redeemed through
/// <c>POST /api/v1/auth/reset-password</c>); an earlier invitation link stops working. The token is made here, after
/// commit, so it never sits in an event.
/// </summary>
public sealed class SendInvitation(
    WardenDbContext db, AccountTokens tokens, AccountMailer mailer, PublicLinks links, IOptions<AdministrationOptions> options) : IEventHandler
{
    public string Name => "administration.send-invitation";

    public bool CanHandle(string eventType) => eventType is EventTypes.UserRegistered or EventTypes.InvitationRequested;

    /// <summary>
    /// Whether <paramref name="user"/> still waits for an invitation: an active account nobody has chosen a password
    /// for yet. Erased, suspended or already set up accounts get none.
    /// </summary>
    public static bool Awaits(User user) => user.Status == UserStatus.Active && user.PasswordHash is null;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Registered>(message.Data, JsonSerializerOptions.Web)!;
        if (message.Type == EventTypes.UserRegistered && !data.Invited)
        {
            return;
        }

        // Only while the invitation is still needed (checked again here: the password may have been set meanwhile).
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == data.UserId, cancellationToken);
        if (user is null || !Awaits(user))
        {
            return;
        }

        var lifetime = options.Value.InvitationLifetime;
        var token = await tokens.IssueAsync(data.UserId, AccountTokenPurpose.Invitation, lifetime, cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken); // the token must exist before anyone can click the link

        var values = new Dictionary<string, string>
        {
            ["link"] = links.Build("/account/invitation", ("token", token)),
            ["token"] = token,
            ["expiresDays"] = Math.Max(1, (int)Math.Round(lifetime.TotalDays)).ToString(CultureInfo.InvariantCulture),
        };
        if (AccountMailer.NameOf(data.FullName, data.FirstName, data.LastName) is { } name)
        {
            values["name"] = name; // the profile may not exist yet (a resent invitation names none: the mailer reads the profile)
        }

        await mailer.SendAsync(data.UserId, EmailTemplateNames.Invitation, values, cancellationToken);
    }

    private sealed record Registered(Guid UserId, bool Invited, string? FullName, string? FirstName, string? LastName);
}
