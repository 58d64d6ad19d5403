using Microsoft.AspNetCore.Authentication;

namespace Warden.Server.Authentication;

/// <summary>
/// ASP.NET Core's authentication middleware, except that a request under <c>/api</c> or <c>/health</c> does not ask the
/// request handlers (<see cref="IAuthenticationRequestHandler"/>) whether it is theirs. Those are OpenIddict's server and
/// client: each infers from every request's address whether it is one of its endpoints (the provider's
/// <c>/connect/*</c> and <c>/.well-known/*</c>, the device page, the external sign-in's callbacks under
/// <c>/account</c>), about 20 µs a request, a twentieth of a token refresh's CPU and a third of <c>/health/live</c>'s
/// (bench/RESULTS.md, branches <c>read</c> and <c>refresh2</c>). None of their endpoints is under those two paths
/// (<c>AuthenticationWithoutCallbacksTests</c> checks OpenIddict's configured endpoints). Everything else is the
/// framework's own middleware: the default scheme (Warden's bearer tokens) authenticates every request as before.
/// </summary>
public sealed class AuthenticationWithoutCallbacks(RequestDelegate next, IAuthenticationSchemeProvider schemes)
{
    /// <summary>The paths whose requests no request handler answers.</summary>
    public static readonly IReadOnlyList<PathString> Paths = ["/api", "/health"];

    private readonly AuthenticationMiddleware _all = new(next, schemes);
    private readonly AuthenticationMiddleware _defaultSchemeOnly = new(next, new NoRequestHandlers(schemes));

    public Task InvokeAsync(HttpContext context) => (Skips(context.Request.Path) ? _defaultSchemeOnly : _all).Invoke(context);

    public static bool Skips(PathString path)
    {
        foreach (var prefix in Paths)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The schemes as registered, without the request handlers (all the middleware asks them for).</summary>
    private sealed class NoRequestHandlers(IAuthenticationSchemeProvider schemes) : IAuthenticationSchemeProvider
    {
        public Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync() => Task.FromResult(Enumerable.Empty<AuthenticationScheme>());

        public Task<IEnumerable<AuthenticationScheme>> GetAllSchemesAsync() => schemes.GetAllSchemesAsync();
        public Task<AuthenticationScheme?> GetSchemeAsync(string name) => schemes.GetSchemeAsync(name);
        public Task<AuthenticationScheme?> GetDefaultAuthenticateSchemeAsync() => schemes.GetDefaultAuthenticateSchemeAsync();
        public Task<AuthenticationScheme?> GetDefaultChallengeSchemeAsync() => schemes.GetDefaultChallengeSchemeAsync();
        public Task<AuthenticationScheme?> GetDefaultForbidSchemeAsync() => schemes.GetDefaultForbidSchemeAsync();
        public Task<AuthenticationScheme?> GetDefaultSignInSchemeAsync() => schemes.GetDefaultSignInSchemeAsync();
        public Task<AuthenticationScheme?> GetDefaultSignOutSchemeAsync() => schemes.GetDefaultSignOutSchemeAsync();
        public void AddScheme(AuthenticationScheme scheme) => schemes.AddScheme(scheme);
        public bool TryAddScheme(AuthenticationScheme scheme) => schemes.TryAddScheme(scheme);
        public void RemoveScheme(string name) => schemes.RemoveScheme(name);
    }
}
