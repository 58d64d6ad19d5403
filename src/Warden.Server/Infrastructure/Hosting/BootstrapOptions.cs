namespace Warden.Server.Infrastructure.Hosting;

/// <summary>The first administrator. Without both values an empty database gets a generated password.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Warden:Bootstrap";

    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }
}
