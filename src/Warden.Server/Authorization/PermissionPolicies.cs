using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

/// <summary>
/// Named authorization policies, one per permission: <c>.RequireAuthorization(PermissionPolicies.AdminUsers)</c>.
/// Any name of the form <c>permission:&lt;name&gt;</c> works, so new permissions need no registration.
/// </summary>
public static class PermissionPolicies
{
    public const string Prefix = "permission:";
    public const string AdminUsers = Prefix + PermissionNames.AdminUsers;
    public const string AdminSystem = Prefix + PermissionNames.AdminSystem;

    public static string For(string permission) => Prefix + permission;
}

public sealed class PermissionRequirement(string permission) : IAuthorizationRequirement
{
    public string Permission { get; } = permission;
}

/// <summary>
/// Checks the caller's CURRENT permissions (<see cref="PermissionService"/>), never the token's
/// <c>permissions</c> claim: that is a snapshot from sign-in and would keep a removed role working until the
/// token expires.
/// </summary>
public sealed class PermissionAuthorizationHandler(PermissionService permissions) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true || context.User.FindFirst("sub") is null)
        {
            return;
        }

        var cancellationToken = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
        if (await permissions.HasPermissionAsync(context.User.UserId(), requirement.Permission, cancellationToken))
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>Builds <c>permission:*</c> policies on demand; every other name goes to the default provider.</summary>
public sealed class PermissionPolicyProvider(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        if (policyName.StartsWith(PermissionPolicies.Prefix, StringComparison.Ordinal) && policyName.Length > PermissionPolicies.Prefix.Length)
        {
            return new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement(policyName[PermissionPolicies.Prefix.Length..]))
                .Build();
        }

        return await base.GetPolicyAsync(policyName);
    }
}
