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
/// <c>user.registered</c> with <c>invited: true</c> (an administrator created the account) → a single-use
/// invitation token, mailed as a set-password link (<c>/account/invitation?token=...</c>, the invitation page, redeemed through
/// <c>POST /api/v1/auth/reset-password</c>). The token is made here, after commit, so it never sits in an event.
/// </summary>
public sealed class SendInvitation(
    WardenDbContext db, AccountTokens tokens, AccountMailer mailer, PublicLinks links, IOptions<AdministrationOptions> options) : IEventHandler
{
    public string Name => "administration.send-invitation";

    public bool CanHandle(string eventType) => eventType == EventTypes.UserRegistered;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Registered>(message.Data, JsonSerializerOptions.Web)!;
        if (!data.Invited)
        {
            return;
        }

        // Only while the invitation is still needed: erased, suspended or already set up accounts get nothing.
        var waiting = await db.Users.AnyAsync(u => u.Id == data.UserId && u.Status == UserStatus.Active && u.PasswordHash == null, cancellationToken);
        if (!waiting)
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
            values["name"] = name; // the profile may not exist yet
        }

        await mailer.SendAsync(data.UserId, EmailTemplateNames.Invitation, values, cancellationToken);
    }

    private sealed record Registered(Guid UserId, bool Invited, string? FullName, string? FirstName, string? LastName);
}
