namespace Warden.Server.Infrastructure.Security;

/// <summary>Data Protection (<c>Warden:DataProtection</c>).</summary>
public sealed class DataProtectionSettings
{
    public const string Section = "Warden:DataProtection";
    public const string KeyFileSetting = "Warden:DataProtection:KeyFile";

    /// <summary>
    /// Every node's Data Protection shares this name, so a payload protected on one node is readable on another.
    /// </summary>
    public const string ApplicationName = "Warden";

    /// <summary>
    /// The key-encryption key (32 random bytes, base64) that wraps the key ring stored in the database.
    /// Default: <c>keys/data-protection.key</c> under the data directory, generated on first start.
    /// </summary>
    public string? KeyFile { get; set; }
}
