using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Tests.Administration.Import;

/// <summary>One hash of each kind an import accepts, made by the format's own tool where the test has it.</summary>
public static class ImportedHashes
{
    /// <summary>Django's Argon2PasswordHasher defaults (p=8, 100 MiB, 22-byte salt) for "123456", as Django stores it.</summary>
    public const string DjangoArgon2Password = "123456";
    public const string DjangoArgon2 = "argon2$argon2id$v=19$m=102400,t=2,p=8$Z0FpRW02TmxIOEhoMk1ja0xTTE81SA$8JEJ6f9Ae5xV6x1IuLENmepKD6cR5pyLrKvqfB8aZog";

    /// <summary>Kind → hash of <paramref name="password"/> (the Django Argon2 vector has its own password).</summary>
    public static Dictionary<string, string> Of(string password)
    {
        using var argon = new WardenPasswordHasher(Options.Create(new PasswordHashingOptions { Argon2MemoryKiB = 32, Argon2Iterations = 1 }),
            NullLogger<WardenPasswordHasher>.Instance);
        var salt = RandomNumberGenerator.GetBytes(16);
        var bcrypt = BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(4, 'b'));
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bcrypt-2a"] = BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(4, 'a')),
            ["bcrypt-2b"] = bcrypt,
            ["bcrypt-2y"] = "$2y$" + bcrypt[4..], // PHP's name for the same algorithm
            ["identity-v2"] = new PasswordHasher<User>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }))
                .HashPassword(new User(), password),
            ["identity-v3"] = new PasswordHasher<User>().HashPassword(new User(), password),
            ["pbkdf2-phc"] = $"$pbkdf2-sha256$i=1000${B64(salt)}${B64(Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, 1000, HashAlgorithmName.SHA256, 32))}",
            ["pbkdf2-django"] = $"pbkdf2_sha256$1000$Xk2pQ7sLm9Rt$" + Convert.ToBase64String(
                Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Encoding.ASCII.GetBytes("Xk2pQ7sLm9Rt"), 1000, HashAlgorithmName.SHA256, 32)),
            ["argon2id"] = argon.HashPassword(password),
        };
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');
}
