using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Security;

public enum PasswordHashAlgorithm
{
    /// <summary>Argon2id when it can be computed (libsodium, shipped with Warden; libargon2 for p &gt; 1), otherwise PBKDF2-HMAC-SHA512.</summary>
    Auto,
    Argon2id,
    Pbkdf2,
}

/// <summary>Cost of new password hashes (<c>Warden:PasswordHashing</c>). Defaults are OWASP's recommendations.</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "Warden:PasswordHashing";

    // OWASP Password Storage Cheat Sheet: Argon2id m=19 MiB, t=2, p=1; PBKDF2-HMAC-SHA512 210,000 iterations.
    public const int RecommendedArgon2MemoryKiB = 19456;
    public const int RecommendedArgon2Iterations = 2;
    public const int RecommendedPbkdf2Iterations = 210_000;

    /// <summary><c>Auto</c>, <c>Argon2id</c> or <c>Pbkdf2</c>. A string, so a typo is reported by the validator with the key's name.</summary>
    public string Algorithm { get; set; } = nameof(PasswordHashAlgorithm.Auto);

    internal PasswordHashAlgorithm? ParsedAlgorithm =>
        Enum.TryParse<PasswordHashAlgorithm>(Algorithm, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(Algorithm, out _)
            ? parsed
            : null;
    public int Argon2MemoryKiB { get; set; } = RecommendedArgon2MemoryKiB;
    public int Argon2Iterations { get; set; } = RecommendedArgon2Iterations;
    public int Argon2Parallelism { get; set; } = 1;
    public int Pbkdf2Iterations { get; set; } = RecommendedPbkdf2Iterations;

    /// <summary>Hashes computed at once; 0 means one per core. Each Argon2id hash holds its memory cost while it runs.</summary>
    public int MaxConcurrency { get; set; }

    public bool IsBelowRecommendation =>
        Argon2MemoryKiB < RecommendedArgon2MemoryKiB || Argon2Iterations < RecommendedArgon2Iterations
        || Pbkdf2Iterations < RecommendedPbkdf2Iterations;
}

internal sealed class PasswordHashingOptionsValidator : IValidateOptions<PasswordHashingOptions>
{
    public ValidateOptionsResult Validate(string? name, PasswordHashingOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (options.ParsedAlgorithm is null)
        {
            errors.AddError("Warden:PasswordHashing:Algorithm must be Auto, Argon2id or Pbkdf2.");
        }
        else if (options.ParsedAlgorithm != PasswordHashAlgorithm.Pbkdf2 && options.Argon2Parallelism > 1 && !Argon2Native.IsAvailable)
        {
            // libsodium derives only p = 1; silently falling back to PBKDF2 would not be what was asked for.
            errors.AddError($"Warden:PasswordHashing:Argon2Parallelism above 1 needs {Argon2Native.LibraryName} (install libargon2-1), or set it to 1 (libsodium, shipped with Warden).");
        }
        else if (options.ParsedAlgorithm == PasswordHashAlgorithm.Argon2id && !Argon2id.LibsodiumIsAvailable && !Argon2Native.IsAvailable)
        {
            errors.AddError($"Warden:PasswordHashing:Algorithm is Argon2id but neither {Argon2Native.LibraryName} nor libsodium (NSec.Cryptography) can be loaded on this platform; use Auto or Pbkdf2.");
        }

        errors.AddErrorIf(options.Argon2Parallelism is < 1 or > Argon2Parameters.MaxParallelism,
            $"Warden:PasswordHashing:Argon2Parallelism must be between 1 and {Argon2Parameters.MaxParallelism}.");
        errors.AddErrorIf(options.Argon2MemoryKiB < 8 * Math.Max(1, options.Argon2Parallelism) || options.Argon2MemoryKiB > Argon2Parameters.MaxMemoryKiB,
            $"Warden:PasswordHashing:Argon2MemoryKiB must be between 8 x Argon2Parallelism and {Argon2Parameters.MaxMemoryKiB}.");
        errors.AddErrorIf(options.Argon2Iterations is < 1 or > Argon2Parameters.MaxIterations,
            $"Warden:PasswordHashing:Argon2Iterations must be between 1 and {Argon2Parameters.MaxIterations}.");
        errors.AddErrorIf(options.Pbkdf2Iterations is < 1000 or > Pbkdf2Parameters.MaxIterations,
            $"Warden:PasswordHashing:Pbkdf2Iterations must be between 1000 and {Pbkdf2Parameters.MaxIterations}.");
        errors.AddErrorIf(options.MaxConcurrency < 0, "Warden:PasswordHashing:MaxConcurrency must be 0 (one per core) or more.");
        return errors.Build();
    }
}
