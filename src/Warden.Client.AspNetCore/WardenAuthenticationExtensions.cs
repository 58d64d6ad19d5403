using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Warden.Client.AspNetCore;

/// <summary>Sets a service up to trust Warden's access tokens.</summary>
public static class WardenAuthenticationExtensions
{
    /// <summary>The access-token type Warden's tokens declare (RFC 9068); any other <c>typ</c> is refused.</summary>
    public const string AccessTokenType = "at+jwt";

    /// <summary>
    /// Adds JwtBearer (the default scheme) configured from Warden's discovery document and JWKS: RS256 signatures by
    /// Warden's published keys (a new key is fetched when a token names one not seen yet), <c>typ at+jwt</c>, Warden's
    /// issuer, this service's audience, a small clock skew; then revocation through cached introspection, the
    /// permission handler, the local access rules, the current user and <see cref="WardenApiClient"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets <see cref="WardenAuthenticationOptions.Authority"/>, <see cref="WardenAuthenticationOptions.Audience"/> and the rest.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddWardenAuthentication(this IServiceCollection services, Action<WardenAuthenticationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<WardenAuthenticationOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WardenAuthenticationOptions>, WardenAuthenticationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<WardenAuthenticationOptions>, TimeProvider>((jwt, options, time) => ConfigureJwtBearer(jwt, options.Value, time));

        services.AddAuthorization();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, PermissionAuthorizationHandler>());
        services.TryAddSingleton<WardenBackchannel>();
        services.TryAddSingleton<WardenMetadata>();
        services.TryAddSingleton<TokenIntrospection>();
        services.TryAddSingleton<ClientCredentialsTokens>();
        services.TryAddSingleton<WardenAccessRules>();
        services.TryAddSingleton<WardenUserAccessor>();
        services.TryAddTransient<ClientCredentialsHandler>();
        services.AddHttpClient<WardenApiClient>((sp, client) => client.BaseAddress = WardenBackchannel.Base(sp.GetRequiredService<IOptions<WardenAuthenticationOptions>>().Value))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WardenBackchannel>().CreateHandler())
            .AddHttpMessageHandler<ClientCredentialsHandler>();
        return services;
    }

    /// <summary>Requires an authenticated caller whose token carries <paramref name="permission"/> (e.g. <c>courses:write</c>).</summary>
    /// <typeparam name="TBuilder">The endpoint or group builder.</typeparam>
    /// <param name="builder">The endpoint or group.</param>
    /// <param name="permission">The permission's name in Warden.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(permission);
        return builder.RequireAuthorization(new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new PermissionRequirement(permission))
            .Build());
    }

    private static void ConfigureJwtBearer(JwtBearerOptions jwt, WardenAuthenticationOptions options, TimeProvider time)
    {
        jwt.Authority = options.Authority;
        jwt.Audience = options.Audience;
        jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
        jwt.MapInboundClaims = false;
        jwt.RefreshOnIssuerKeyNotFound = true;
        jwt.RefreshInterval = options.KeyRefreshInterval;
        jwt.AutomaticRefreshInterval = options.MetadataRefreshInterval;
        if (options.BackchannelHandler is { } handler)
        {
            jwt.BackchannelHttpHandler = new NonDisposingHandler(handler);
        }

        var skew = options.ClockSkew;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudience = options.Audience,
            ValidateAudience = true,
            ValidateIssuer = true, // the issuer of Warden's discovery document
            ValidTypes = [AccessTokenType],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = skew,
            // Lifetime against the service's TimeProvider, so tests (and anyone with a clock of their own) agree with it.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && now < e + skew && (notBefore is not { } nbf || nbf <= now + skew);
            },
            NameClaimType = WardenClaims.Subject,
            RoleClaimType = WardenClaims.Role,
        };

        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = async context =>
            {
                var introspection = context.HttpContext.RequestServices.GetRequiredService<TokenIntrospection>();
                var token = context.SecurityToken is Microsoft.IdentityModel.JsonWebTokens.JsonWebToken jwtToken ? jwtToken.EncodedToken : null;
                if (token is not null && !await introspection.IsActiveAsync(token, context.HttpContext.RequestAborted))
                {
                    context.Fail("The access token is no longer active at Warden (its session or grant was revoked).");
                }
            },
        };
    }
}

/// <summary>Start-up validation naming the key at fault.</summary>
internal sealed class WardenAuthenticationOptionsValidator : IValidateOptions<WardenAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, WardenAuthenticationOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            errors.Add("Warden:Authority must be Warden's absolute issuer URL, e.g. https://id.example.com.");
        }
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
        {
            errors.Add("Warden:Authority must be https unless Warden:RequireHttpsMetadata is false (development only).");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add("Warden:Audience must name this service's audience (the resource of its API scope in Warden).");
        }

        if (options.RevocationCheckInterval > TimeSpan.Zero && string.IsNullOrEmpty(options.ClientSecret))
        {
            errors.Add("Warden:ClientSecret is needed to introspect tokens; set Warden:RevocationCheckInterval to 00:00:00 to go without revocation checks.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add("Warden:ClockSkew must be between 00:00:00 and 00:05:00.");
        }

        if (options.KeyRefreshInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add("Warden:KeyRefreshInterval must be at least one second.");
        }

        if (options.MetadataRefreshInterval < TimeSpan.FromMinutes(5))
        {
            errors.Add("Warden:MetadataRefreshInterval must be at least five minutes (the least Microsoft.IdentityModel allows).");
        }

        if (!Warden.Policies.PolicySet.TryCreate(options.Rules, out _, out var ruleErrors))
        {
            errors.AddRange(ruleErrors.Select(e => "Warden:Rules:" + e));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
