using OpenIddict.Client;
using OpenIddict.Client.WebIntegration;
using Warden.Server.Authentication.External;
using static OpenIddict.Client.WebIntegration.OpenIddictClientWebIntegrationConstants;

namespace Warden.Server.Oidc.External;

/// <summary>
/// Google, GitHub and Microsoft through OpenIddict's Web integration: a registration that names its provider type gets the
/// provider's issuer, endpoints and quirks (GitHub is OAuth 2.0 without OpenID Connect: its user API stands in for userinfo)
/// from <c>OpenIddictClientWebIntegrationConfiguration</c>, which runs before OpenIddict validates the registrations.
/// Microsoft uses the <c>common</c> tenant (work, school and personal accounts).
/// </summary>
internal static class NamedProviders
{
    public static bool Configure(OpenIddictClientRegistration registration, ExternalProvider provider)
    {
        (registration.ProviderType, registration.ProviderSettings) = provider.Kind switch
        {
            IdentityProviderKinds.Google => (ProviderTypes.Google, new OpenIddictClientWebIntegrationSettings.Google()),
            IdentityProviderKinds.GitHub => (ProviderTypes.GitHub, new OpenIddictClientWebIntegrationSettings.GitHub()),
            IdentityProviderKinds.Microsoft => (ProviderTypes.Microsoft, (object?)new OpenIddictClientWebIntegrationSettings.Microsoft()),
            _ => (null, null),
        };
        return registration.ProviderType is not null;
    }
}
