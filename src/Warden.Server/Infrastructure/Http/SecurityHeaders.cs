using Microsoft.Net.Http.Headers;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// Headers every response carries. Nothing is cacheable unless its endpoint says so: token responses must not be
/// stored (RFC 6749 §5.1: <c>Cache-Control: no-store</c>, <c>Pragma: no-cache</c>), and nearly every other answer
/// holds personal data, so <c>no-store</c> is the default and public documents (the JWKS, the password policy,
/// avatars) set their own <c>Cache-Control</c>. <c>nosniff</c> keeps a browser from reading a JSON answer that echoes
/// user input as HTML or script. HSTS is added by ASP.NET Core's middleware, on https only.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            if (!headers.ContainsKey(HeaderNames.CacheControl))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
