using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Caching;

/// <summary>
/// <c>Warden:Redis</c>: the shared layer of several nodes. Unset, every cache and rate limit is the node's own,
/// which is right for one node (<see cref="NodeOptions"/> says how many are meant to run).
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Warden:Redis";

    /// <summary>A StackExchange.Redis configuration string (<c>redis:6379,password=...,ssl=true</c>); empty: no Redis.</summary>
    public string? Configuration { get; set; }

    /// <summary>Put before every key Warden writes and every channel it uses, so deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "warden:";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);
}

/// <summary><c>Warden:Nodes</c>: how many nodes the operator runs. A node cannot see the others; it is told.</summary>
public sealed class NodeOptions
{
    public const string Section = "Warden";

    /// <summary>The number of nodes this deployment runs behind its load balancer (default 1).</summary>
    public int Nodes { get; set; } = 1;
}

internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (options.IsConfigured)
        {
            ValidateConfiguration(options.Configuration!, errors);
        }

        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Length > 64 || options.KeyPrefix.Any(char.IsWhiteSpace),
            $"{RedisOptions.Section}:KeyPrefix must be 1 to 64 characters without spaces.");
        return errors.Build();
    }

    /// <summary>
    /// Apart from <see cref="Validate"/> so that a node without Redis never loads the Redis assembly: the JIT loads
    /// every assembly a method names when it compiles the method, taken branch or not (as in <see cref="RedisConnection"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // nor inlined, not even by ReadyToRun
    private static void ValidateConfiguration(string configuration, ValidateOptionsResultBuilder errors)
    {
        try
        {
            var parsed = ConfigurationOptions.Parse(configuration);
            errors.AddErrorIf(parsed.EndPoints.Count == 0, $"{RedisOptions.Section}:Configuration names no server (got '{Redacted(configuration)}').");
        }
        catch (ArgumentException e)
        {
            errors.AddError($"{RedisOptions.Section}:Configuration is not a valid StackExchange.Redis configuration: {e.Message}");
        }
    }

    // The configuration string may hold a password: never echo it.
    private static string Redacted(string configuration) =>
        string.Join(',', configuration.Split(',').Where(p => !p.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase)));
}

internal sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.Nodes is < 1 or > 1000, "Warden:Nodes must be between 1 and 1000.");
        return errors.Build();
    }
}
