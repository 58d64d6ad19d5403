namespace Warden.Server.Authentication.External;

/// <summary>The addresses of external sign-in, shared by the sign-in page (its buttons) and the flow (Oidc/External).</summary>
public static class ExternalPaths
{
    /// <summary>Posted by the sign-in page's button: to the provider.</summary>
    public static string Start(string slug) => $"/account/login/external/{slug}";

    /// <summary>Where the provider sends the browser back (the redirect_uri, one per provider).</summary>
    public static string Callback(string slug) => $"/account/login/external/{slug}/callback";

    public const string Connect = "/account/login/external/connect";
    public const string SignInMethods = "/account/sign-in-methods";

    /// <summary>Re-authentication by a fresh sign-in at a provider linked to the account.</summary>
    public static string Reauthenticate(string slug) => $"/account/reauthenticate/external/{slug}";
}
