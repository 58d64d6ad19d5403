using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Http;

/// <summary>Settings under <c>Warden:OpenApi</c>.</summary>
public sealed class OpenApiOptions
{
    public const string Section = "Warden:OpenApi";

    /// <summary>
    /// Client addresses or CIDR ranges that may read <c>/openapi/v1.json</c> (after trusted-proxy resolution). Empty:
    /// the host itself only (<see cref="ClientNetworks"/>). The document maps every endpoint, admin ones included.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];
}

internal sealed class OpenApiOptionsValidator : IValidateOptions<OpenApiOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenApiOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddressesOrRanges("Warden:OpenApi:AllowedNetworks", options.AllowedNetworks);
        return errors.Build();
    }
}

public static class OpenApiAccess
{
    /// <summary>Answers 404, as if absent, to a client outside <see cref="OpenApiOptions.AllowedNetworks"/>.</summary>
    public static TBuilder OnlyFromAllowedNetworks<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var allowed = http.RequestServices.GetRequiredService<IOptions<OpenApiOptions>>().Value.AllowedNetworks;
            return ClientNetworks.Allows(allowed, http.Connection.RemoteIpAddress) ? await next(context) : ApiProblems.NotFound();
        });
}
