using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Pages;

/// <summary>Posting the account pages' forms without a browser: a client that keeps cookies and shows redirects as they are.</summary>
public static partial class PageForms
{
    public const string TokenField = "__RequestVerificationToken";

    public static HttpClient PageClient(this WardenFactory factory) =>
        factory is Fixtures.KestrelWardenFactory kestrel
            // On a real port (the console's shared server) the sockets handler itself must keep cookies and not follow redirects.
            ? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
            {
                BaseAddress = kestrel.Start(),
            }
            : factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The antiforgery token of the form on <paramref name="path"/> (its cookie is kept by the client).</summary>
    public static async Task<string> FormTokenAsync(this HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        return TokenPattern().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"No form token on {path}.");
    }

    public static Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string path, string? token, params (string Name, string Value)[] fields)
    {
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (token is not null)
        {
            values.Add(new(TokenField, token));
        }

        return client.PostAsync(path, new FormUrlEncodedContent(values));
    }

    /// <summary>Signs in through the page (password alone); answers the sign-in's redirect.</summary>
    public static async Task<HttpResponseMessage> SignInThroughPageAsync(this HttpClient client, string login, string password = AuthFlows.Password, string? returnUrl = null)
    {
        var token = await client.FormTokenAsync("/account/login");
        var fields = new List<(string, string)> { ("login", login), ("password", password) };
        if (returnUrl is not null)
        {
            fields.Add(("returnUrl", returnUrl));
        }

        return await client.PostFormAsync("/account/login", token, [.. fields]);
    }

    public static string? Hidden(string html, string name) =>
        Regex.Match(html, $"name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\"") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
