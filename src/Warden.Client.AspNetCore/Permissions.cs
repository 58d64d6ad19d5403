using Microsoft.AspNetCore.Authorization;

namespace Warden.Client.AspNetCore;

/// <summary>The caller's token must carry this permission (see <see cref="WardenAuthenticationExtensions.RequirePermission"/>).</summary>
/// <param name="Permission">The permission's name in Warden, e.g. <c>courses:write</c>.</param>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>
/// Succeeds when the user's token lists the permission. Warden writes a user's permissions into the token from its
/// database when it issues it (OpenID Connect tokens: with the <c>roles</c> scope), and revocation through
/// introspection ends a token whose session ended, so a token is trusted for at most its own lifetime.
/// </summary>
internal sealed class PermissionAuthorizationHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (WardenUser.From(context.User) is { } user && user.Permissions.Contains(requirement.Permission))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
