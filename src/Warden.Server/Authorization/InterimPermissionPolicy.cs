using Warden.Server.Authentication;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

/// <summary>
/// Stand-in for the shared permission policies being built on branch admin: the caller must hold the permission
/// NOW (read fresh from the database, not from the access token, so a revoked role stops working at once).
/// The only place the outside module (audit, stats, webhooks) decides access; swap it for the shared policy at merge.
/// </summary>
public static class InterimPermissionPolicy
{
    public static TBuilder RequireCurrentPermission<TBuilder>(this TBuilder builder, string permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(async context =>
            {
                if (context.Resource is not HttpContext http || context.User.FindFirst("sub") is null)
                {
                    return false;
                }

                var db = http.RequestServices.GetRequiredService<WardenDbContext>();
                var access = await UserAccess.LoadAsync(db, context.User.UserId(), http.RequestAborted);
                return access.Permissions.Contains(permission, StringComparer.Ordinal);
            }));
}
