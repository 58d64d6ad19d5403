using System.Net;
using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// The rules option validators share, as additions to a <see cref="ValidateOptionsResultBuilder"/>. Every message
/// starts with the full configuration key (<c>Warden:Section:Key</c>), the name an operator searches for; that is
/// why the builder's <c>propertyName</c> argument is never used (it would prefix <c>Property Key: </c>).
/// </summary>
internal static class OptionChecks
{
    /// <summary>Adds <paramref name="message"/> when <paramref name="failed"/>.</summary>
    public static void AddErrorIf(this ValidateOptionsResultBuilder errors, bool failed, string message)
    {
        if (failed)
        {
            errors.AddError(message);
        }
    }

    /// <summary>A duration that must be more than zero; <paramref name="example"/> shows the format.</summary>
    public static void Positive(this ValidateOptionsResultBuilder errors, string key, TimeSpan value, string example) =>
        errors.AddErrorIf(value <= TimeSpan.Zero, $"{key} must be a positive duration such as {example} (got {value}).");

    /// <summary>A duration that may be zero but not negative.</summary>
    public static void NotNegative(this ValidateOptionsResultBuilder errors, string key, TimeSpan value) =>
        errors.AddErrorIf(value < TimeSpan.Zero, $"{key} must not be negative (got {value}).");

    /// <summary>A count within <paramref name="min"/> and <paramref name="max"/>, both allowed.</summary>
    public static void Between(this ValidateOptionsResultBuilder errors, string key, int value, int min, int max) =>
        errors.AddErrorIf(value < min || value > max, $"{key} must be between {min} and {max} (got {value}).");

    /// <summary>A list of IP addresses or CIDR ranges; each bad entry is named by its index, as configuration binds it.</summary>
    public static void AddressesOrRanges(this ValidateOptionsResultBuilder errors, string key, IReadOnlyList<string> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            errors.AddErrorIf(!IPAddress.TryParse(entry, out _) && !IPNetwork.TryParse(entry, out _),
                $"{key}:{i} is not an IP address or CIDR range: '{entry}'.");
        }
    }
}
