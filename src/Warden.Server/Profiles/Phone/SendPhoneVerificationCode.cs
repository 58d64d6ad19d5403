using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Notifications;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Server.Profiles.Phone;

/// <summary>
/// <c>user.phone_verification_requested</c> → make a code, keep only its HMAC, text it. The code is made
/// here, after commit, so it never sits in the event. The hash is saved before the SMS goes out (the code
/// must verify as soon as it arrives); a retry after a failed send makes a new code, and the old one stops working.
/// </summary>
public sealed class SendPhoneVerificationCode(
    WardenDbContext db,
    OneTimeCodeHasher hasher,
    SecretProtector protector,
    SmsTemplates templates,
    ISmsSender sender,
    IOptions<TwoFactorOptions> options,
    TimeProvider time) : IEventHandler
{
    public string Name => "profiles.send-phone-verification-code";

    public bool CanHandle(string eventType) => eventType == EventTypes.PhoneVerificationRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Requested>(message.Data, JsonSerializerOptions.Web)!;
        var verification = await db.PhoneVerifications.SingleOrDefaultAsync(
            v => v.Id == data.VerificationId && v.ConsumedAt == null, cancellationToken);
        if (verification is null)
        {
            return; // replaced by a newer number, or the account was erased
        }

        var code = OneTimeCodes.Generate();
        var lifetime = options.Value.CodeLifetime;
        verification.CodeHash = hasher.Hash(verification.Id, code);
        verification.ExpiresAt = time.GetUtcNow() + lifetime;
        verification.Attempts = 0;
        await db.SaveChangesAsync(cancellationToken);

        var locale = await db.Profiles.Where(p => p.UserId == verification.UserId).Select(p => p.Locale).FirstOrDefaultAsync(cancellationToken);
        var sms = await templates.RenderAsync(SmsTemplateNames.PhoneVerification, protector.Unprotect(SecretKind.PhoneNumber, verification.PhoneNumberProtected), locale,
            new Dictionary<string, string>
            {
                ["code"] = code,
                ["expiresMinutes"] = ((int)Math.Ceiling(lifetime.TotalMinutes)).ToString(CultureInfo.InvariantCulture),
            }, cancellationToken);
        await sender.SendAsync(sms, cancellationToken);
    }

    private sealed record Requested(Guid UserId, Guid VerificationId);
}
