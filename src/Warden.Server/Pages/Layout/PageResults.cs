using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Warden.Server.Pages.Layout;

/// <summary>How an account page answers: a rendered component (with the form's antiforgery token), or a redirect.</summary>
public static class PageResults
{
    /// <summary>Form errors answer 422, so a refused form can never be mistaken for the 400 of a missing antiforgery token.</summary>
    public static RazorComponentResult Form(HttpContext http, FormModel model) =>
        new RazorComponentResult<FormPage>(new Dictionary<string, object?>
        {
            [nameof(FormPage.Model)] = model,
            [nameof(FormPage.Antiforgery)] = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http),
        })
        {
            StatusCode = model.Errors.Any ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK,
        };

    public static RazorComponentResult Message(MessageModel model, int statusCode = StatusCodes.Status200OK) =>
        new RazorComponentResult<MessagePage>(new Dictionary<string, object?> { [nameof(MessagePage.Model)] = model }) { StatusCode = statusCode };

    /// <summary>After a post that worked: 303, so reloading the next page does not post again.</summary>
    public static IResult SeeOther(string location) => new SeeOtherResult(location);

    public static RazorComponentResult NotFound() =>
        Message(new MessageModel("NotFound.Title", "NotFound.Text") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] }, StatusCodes.Status404NotFound);

    public static RazorComponentResult ServerError() =>
        Message(new MessageModel("Error.Title", "Error.Text") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] }, StatusCodes.Status500InternalServerError);

    /// <summary>A link that is invalid, expired or already used: what to do instead.</summary>
    public static RazorComponentResult ExpiredLink(string again, string againLabel) =>
        Message(new MessageModel("ExpiredLink.Title", "ExpiredLink.Text") { Links = [new PageLink(again, againLabel)] }, StatusCodes.Status400BadRequest);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
