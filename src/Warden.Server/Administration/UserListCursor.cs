using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Warden.Server.Administration;

/// <summary>
/// Where a page of the administrators' user list ended: the sort it was taken in, the last row's sort key and its
/// id. The next page starts strictly after that position (keyset paging), so a page costs the same at the millionth
/// row as at the first, and rows added or removed meanwhile neither repeat nor vanish.
/// </summary>
/// <remarks>
/// The cursor travels in a query string, which lands in proxy and access logs; for the email sort the key is an
/// address. So the cursor is sealed with Data Protection (the key ring every node shares): opaque to whoever reads
/// the log, and tamper-proof, which spares the list from validating hand-made keys. A cursor from another sort or
/// one that does not open is a 400, never a silently different page.
/// </remarks>
public sealed record UserListCursor(string Sort, string? Key, Guid Id)
{
    private const string Purpose = "Warden.Administration.UserListCursor.v1";

    public static UserListCursor After(string sort, DateTimeOffset? time, Guid id) =>
        new(sort, time?.UtcTicks.ToString(CultureInfo.InvariantCulture), id);

    public static UserListCursor After(string sort, string key, Guid id) => new(sort, key, id);

    /// <summary>The key as a time, for the time sorts (null: the row had none, e.g. never signed in).</summary>
    public DateTimeOffset? Time =>
        Key is null ? null : new DateTimeOffset(long.Parse(Key, NumberStyles.None, CultureInfo.InvariantCulture), TimeSpan.Zero);

    public string Seal(IDataProtectionProvider provider)
    {
        var plain = string.Join('\n', Sort, Key is null ? "-" : "+" + Key, Id.ToString("N"));
        return WebEncoders.Base64UrlEncode(provider.CreateProtector(Purpose).Protect(System.Text.Encoding.UTF8.GetBytes(plain)));
    }

    public static bool TryOpen(IDataProtectionProvider provider, string sealedCursor, string sort, out UserListCursor cursor)
    {
        cursor = null!;
        try
        {
            var plain = System.Text.Encoding.UTF8.GetString(
                provider.CreateProtector(Purpose).Unprotect(WebEncoders.Base64UrlDecode(sealedCursor)));
            var parts = plain.Split('\n');
            if (parts.Length != 3 || parts[0] != sort || !Guid.TryParseExact(parts[2], "N", out var id))
            {
                return false;
            }

            cursor = new UserListCursor(parts[0], parts[1] == "-" ? null : parts[1][1..], id);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return false;
        }
    }
}
