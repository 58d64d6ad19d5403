using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Notifications;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// "Login notifies Login Successful; TwoFactorAuth listens, generates OTP code, asks SMSService to send code":
/// on <c>login.password_verified</c> for a user whose preferred factor is SMS (or email), and on an explicit
/// request, a fresh code is made here — after commit, outside any request — stored as an HMAC, and sent.
/// </summary>
public sealed class SendSecondFactorCode(
    WardenDbContext db, OneTimeCodeHasher hasher, SecretProtector secrets, ISmsSender sms, SmsTemplates smsTemplates,
    AccountMailer mailer, TimeProvider time, IOptions<TwoFactorOptions> options) : IEventHandler
{
    public string Name => "two-factor.send-code";

    public bool CanHandle(string eventType) => eventType is EventTypes.LoginPasswordVerified or EventTypes.TwoFactorCodeRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Data>(message.Data, JsonSerializerOptions.Web)!;
        var row = await db.TwoFactor.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == data.UserId, cancellationToken);
        var method = message.Type == EventTypes.TwoFactorCodeRequested ? data.Method : row?.PreferredMethod;
        var usable = method switch
        {
            SecondFactorMethods.Sms => row?.SmsEnabled == true,
            SecondFactorMethods.Email => row?.EmailEnabled == true && options.Value.AllowEmailCodes,
            _ => false,
        };
        var now = time.GetUtcNow();
        var sessionPending = await db.Sessions.AnyAsync(
            s => s.Id == data.SessionId && s.UserId == data.UserId && s.RevokedAt == null && s.ExpiresAt > now
                 && s.State == Authentication.Sessions.SessionState.PendingSecondFactor, cancellationToken);
        if (!usable || !sessionPending)
        {
            return;
        }

        // One live code per sign-in: a new one retires the old.
        await db.OneTimeCodes.Where(c => c.SessionId == data.SessionId && c.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), cancellationToken);
        var code = OneTimeCodes.Generate();
        var stored = new OneTimeCode
        {
            UserId = data.UserId,
            SessionId = data.SessionId,
            Method = method!,
            CodeHash = "",
            CreatedAt = now,
            ExpiresAt = now + options.Value.CodeLifetime,
        };
        stored.CodeHash = hasher.Hash(stored.Id, code);
        db.OneTimeCodes.Add(stored);
        await db.SaveChangesAsync(cancellationToken); // stored before it is sent, so it can be checked at once

        var minutes = ((int)options.Value.CodeLifetime.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        if (method == SecondFactorMethods.Sms)
        {
            var phone = await db.Profiles.AsNoTracking().Where(p => p.UserId == data.UserId && p.PhoneVerified)
                .Select(p => p.PhoneNumberProtected).SingleOrDefaultAsync(cancellationToken);
            if (phone is null)
            {
                return;
            }

            var text = await smsTemplates.RenderAsync(SmsTemplateNames.TwoFactorCode, secrets.Unprotect(SecretKind.PhoneNumber, phone), null,
                new Dictionary<string, string> { ["code"] = code, ["expiresMinutes"] = minutes }, cancellationToken);
            await sms.SendAsync(text, cancellationToken);
        }
        else
        {
            await mailer.SendAsync(data.UserId, EmailTemplateNames.TwoFactorCode,
                new Dictionary<string, string> { ["code"] = code, ["expiresMinutes"] = minutes }, cancellationToken);
        }

        db.AddEvent(EventTypes.TwoFactorChallengeSent, data.UserId, new { userId = data.UserId, sessionId = data.SessionId, method }, now);
    }

    private sealed record Data(Guid UserId, Guid SessionId, string? Method);
}
