using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Notifications;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Email;

/// <summary>
/// <c>user.email_change_requested</c> → a single-use token (the new address in its data) mailed to the new
/// address, unless that address has an account: then nothing is sent to it. The token is made here, after
/// commit, so it is never in the event; it is saved before the mail goes out.
/// </summary>
public sealed class SendEmailChangeConfirmation(
    WardenDbContext db, UserManager<User> users, AccountTokens tokens, AccountMailer mailer, PublicLinks links, IOptions<ProfileOptions> options) : IEventHandler
{
    public string Name => "profiles.send-email-change-confirmation";

    public bool CanHandle(string eventType) => eventType == EventTypes.EmailChangeRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Requested>(message.Data, JsonSerializerOptions.Web)!;
        if (data.NewEmail is null || !await db.Users.AnyAsync(u => u.Id == data.UserId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            return; // erased meanwhile (erasure also blanks the address in this event)
        }

        var normalized = users.NormalizeEmail(data.NewEmail);
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, cancellationToken))
        {
            return; // taken: the requester got the same 202; the address's owner is not bothered
        }

        var token = await tokens.IssueAsync(data.UserId, AccountTokenPurpose.EmailChange, options.Value.EmailChangeTokenLifetime, data.NewEmail, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await mailer.SendAsync(data.UserId, EmailTemplateNames.EmailChangeConfirm, new Dictionary<string, string>
        {
            ["link"] = links.Build("/account/confirm-email-change", ("token", token)),
            ["token"] = token,
        }, cancellationToken, toAddress: data.NewEmail);
    }

    private sealed record Requested(Guid UserId, string? NewEmail);
}

/// <summary><c>user.email_change_requested</c> → a notice to the current address, whether or not the new one is free.</summary>
/// <remarks>
/// The notice goes to the account's address when the handler runs, normally milliseconds after the request;
/// only a confirmation completed faster than that would send it to the new address instead.
/// </remarks>
public sealed class SendEmailChangeNotice(WardenDbContext db, AccountMailer mailer) : IEventHandler
{
    public string Name => "profiles.send-email-change-notice";

    public bool CanHandle(string eventType) => eventType == EventTypes.EmailChangeRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.Subject is { } userId && await db.Users.AnyAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            await mailer.SendAsync(userId, EmailTemplateNames.EmailChangeNotice, new Dictionary<string, string>(), cancellationToken);
        }
    }
}

/// <summary>
/// <c>user.email_changed</c> → the <c>email-changed</c> notice to the address the account had before. Whoever lost
/// their address to a stolen session learns of it where they still read mail; always sent.
/// </summary>
public sealed class SendEmailChangedNotice(AccountMailer mailer) : IEventHandler
{
    public string Name => "profiles.send-email-changed-notice";

    public bool CanHandle(string eventType) => eventType == EventTypes.EmailChanged;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        // Erasure blanks the address in the event: then there is nobody left to tell.
        var changed = JsonSerializer.Deserialize<Changed>(message.Data, JsonSerializerOptions.Web);
        return message.Subject is { } userId && changed?.PreviousEmail is { Length: > 0 } previous
            ? mailer.SendAsync(userId, EmailTemplateNames.EmailChanged, new Dictionary<string, string>(), cancellationToken, toAddress: previous)
            : Task.CompletedTask;
    }

    private sealed record Changed(string? PreviousEmail);
}
