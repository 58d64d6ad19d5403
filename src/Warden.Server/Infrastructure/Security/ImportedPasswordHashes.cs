namespace Warden.Server.Infrastructure.Security;

/// <summary>The kinds of password hash a user import accepts.</summary>
public enum ImportedHashKind
{
    Bcrypt,
    AspNetIdentityV2,
    AspNetIdentityV3,
    Pbkdf2Phc,
    Pbkdf2Django,
    Argon2id,
}

/// <summary>
/// What a user import accepts as a password hash, and in which form it is stored. Every hash is checked the way
/// the hasher will read it at sign-in, and its cost is capped: whoever writes the import file chooses the cost
/// that each sign-in attempt on that account pays, so a bcrypt cost of 31 or a billion PBKDF2 iterations would
/// plant a denial of service. Django's Argon2 prefix (<c>argon2$argon2id$...</c>) is stored as the plain PHC
/// string. Argon2id hashes that only libargon2 computes (p &gt; 1, salts other than 16 bytes) are refused on a node
/// without it, rather than imported into accounts that could never sign in.
/// </summary>
public static class ImportedPasswordHashes
{
    public const int MaxBcryptCost = 14;
    public const int MaxPbkdf2Iterations = 1_000_000;
    public const int MaxArgon2MemoryKiB = 256 * 1024;
    public const int MaxArgon2Iterations = 10;
    private const int MaxLength = 512;

    public static bool TryAccept(string hash, out string stored, out ImportedHashKind kind, out string error)
    {
        stored = hash;
        kind = default;
        error = "";
        if (hash.Length is 0 or > MaxLength)
        {
            error = "The password hash is empty or too long.";
            return false;
        }

        if (hash.StartsWith("$2", StringComparison.Ordinal))
        {
            kind = ImportedHashKind.Bcrypt;
            return PasswordHashFormats.TryParseBcrypt(hash, out var cost)
                ? Capped(cost <= MaxBcryptCost, $"A bcrypt cost above {MaxBcryptCost} is not accepted (the hash has {cost}).", ref error)
                : Fail("A bcrypt hash is $2a$, $2b$ or $2y$, a two-digit cost and 53 characters.", ref error);
        }

        if (hash.StartsWith("argon2$argon2id$", StringComparison.Ordinal))
        {
            stored = hash["argon2".Length..]; // Django's prefix on a PHC string
        }

        if (stored.StartsWith("$argon2", StringComparison.Ordinal))
        {
            kind = ImportedHashKind.Argon2id;
            if (!PasswordHashFormats.TryParseArgon2id(stored, out var parameters, out var salt, out _))
            {
                return Fail("An Argon2 hash is a PHC string $argon2id$v=19$m=..,t=..,p=..$salt$hash (Argon2i and Argon2d are not accepted).", ref error);
            }

            if (parameters.MemoryKiB > MaxArgon2MemoryKiB || parameters.Iterations > MaxArgon2Iterations)
            {
                return Fail($"An Argon2id cost above m={MaxArgon2MemoryKiB}, t={MaxArgon2Iterations} is not accepted.", ref error);
            }

            return Capped(Argon2id.CanCompute(parameters, salt.Length),
                $"This Argon2id hash (p={parameters.Parallelism}, {salt.Length}-byte salt) needs {Argon2Native.LibraryName} on every node (install libargon2-1).", ref error);
        }

        if (hash.StartsWith("$pbkdf2-", StringComparison.Ordinal))
        {
            kind = ImportedHashKind.Pbkdf2Phc;
            return PasswordHashFormats.TryParsePbkdf2(hash, out _, out var iterations, out _, out _)
                ? Capped(iterations <= MaxPbkdf2Iterations, $"More than {MaxPbkdf2Iterations:N0} PBKDF2 iterations are not accepted.", ref error)
                : Fail("A PBKDF2 PHC hash is $pbkdf2-sha1|sha256|sha512$i=..$salt$hash in base64 without padding.", ref error);
        }

        if (hash.StartsWith("pbkdf2_", StringComparison.Ordinal))
        {
            kind = ImportedHashKind.Pbkdf2Django;
            return PasswordHashFormats.TryParseDjangoPbkdf2(hash, out _, out var iterations, out _, out _)
                ? Capped(iterations <= MaxPbkdf2Iterations, $"More than {MaxPbkdf2Iterations:N0} PBKDF2 iterations are not accepted.", ref error)
                : Fail("A Django PBKDF2 hash is pbkdf2_sha256$iterations$salt$hash (or pbkdf2_sha1).", ref error);
        }

        if (PasswordHashFormats.TryParseIdentity(hash, out _, out var identityIterations, out _, out _))
        {
            kind = hash.StartsWith("AQ", StringComparison.Ordinal) ? ImportedHashKind.AspNetIdentityV3 : ImportedHashKind.AspNetIdentityV2;
            return Capped(identityIterations <= MaxPbkdf2Iterations, $"More than {MaxPbkdf2Iterations:N0} PBKDF2 iterations are not accepted.", ref error);
        }

        return Fail("Unknown password hash format (accepted: bcrypt, ASP.NET Identity V2/V3, PBKDF2 PHC or Django, Argon2id PHC).", ref error);
    }

    private static bool Capped(bool within, string message, ref string error)
    {
        if (!within)
        {
            error = message;
        }

        return within;
    }

    private static bool Fail(string message, ref string error)
    {
        error = message;
        return false;
    }
}
