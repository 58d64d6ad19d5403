using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Profiles;
using Warden.Server.Passwords;
using Warden.Server.Authentication.PasswordChange;

namespace Warden.Server.Users;

/// <summary>The signed-in user's own account (<c>/api/v1/users</c>).</summary>
public static class UserEndpoints
{
    public static RouteGroupBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/v1/users").WithTags("Account").RequireAuthorization();
        users.MapGet("/me", GetMeAsync).WithName("GetMe").WithSummary("The signed-in user's account.");
        users.MapSessionEndpoints();
        users.MapTwoFactorManagement();
        users.MapProfileEndpoints(app);
        users.MapPasswordChange();
        return users;
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GetMeAsync(ClaimsPrincipal principal, WardenDbContext db, CancellationToken cancellationToken)
    {
        var account = await AccountView.LoadAsync(db, principal.UserId(), cancellationToken);
        return account is null ? ApiProblems.NotFound() : TypedResults.Ok(account);
    }
}
