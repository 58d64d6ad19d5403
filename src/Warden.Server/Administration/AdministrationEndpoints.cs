using Warden.Server.Infrastructure.Http;
using Warden.Server.Authorization;

namespace Warden.Server.Administration;

/// <summary>User administration (<c>/api/v1/admin/users</c>), for holders of <c>admin:users</c>.</summary>
public static class AdministrationEndpoints
{
    public static RouteGroupBuilder MapAdministrationEndpoints(this RouteGroupBuilder users)
    {
        users.WithTags("Administration").RequireAuthorization(PermissionPolicies.AdminUsers);
        users.MapGet("", ListUsers.HandleAsync).WithName("AdminListUsers").WithSummary("Search and page through users.");
        users.MapPost("", CreateUser.HandleAsync).WithName("AdminCreateUser").WithSummary("Create a user, optionally sending an invitation.");
        users.MapPost("/import", Import.ImportUsersEndpoint.HandleAsync).RequireAuthorization(PermissionPolicies.AdminSystem)
            .WithRequestSizeLimit(Import.ImportUsersEndpoint.MaxBodyBytes).WithName("AdminImportUsers").WithSummary("Import users from JSON lines (admin:system).");
        users.MapGet("/{id:guid}", UserDetails.HandleAsync).WithName("AdminGetUser").WithSummary("A user's account, profile, roles, sessions and lockout.");
        users.MapPut("/{id:guid}/status", ChangeUserStatus.HandleAsync).WithName("AdminSetUserStatus").WithSummary("Activate or suspend a user (suspension ends every session).");
        users.MapPost("/{id:guid}/unlock", UserAccessActions.UnlockAsync).WithName("AdminUnlockUser").WithSummary("Clear the sign-in lockout of a user's email and username.");
        users.MapDelete("/{id:guid}/sessions", UserAccessActions.RevokeSessionsAsync).WithName("AdminRevokeUserSessions").WithSummary("Sign a user out everywhere.");
        users.MapDelete("/{id:guid}/sessions/{sessionId:guid}", UserAccessActions.RevokeSessionAsync).WithName("AdminRevokeUserSession").WithSummary("End one of a user's sessions.");
        users.MapDelete("/{id:guid}/2fa", UserAccessActions.ResetTwoFactorAsync).WithName("AdminResetTwoFactor").WithSummary("Turn off every second factor of a user.");
        users.MapDelete("/{id:guid}", UserAccessActions.EraseAsync).WithName("AdminEraseUser").WithSummary("Erase a user's personal data, as self-deletion does.");
        users.MapPost("/{id:guid}/roles", UserRoles.AssignAsync).WithName("AdminAssignRole").WithSummary("Give a user a role.");
        users.MapDelete("/{id:guid}/roles/{role}", UserRoles.RemoveAsync).WithName("AdminRemoveRole").WithSummary("Take a role from a user.");
        users.MapPost("/{id:guid}/resend-verification", ResendAccountMail.VerificationAsync).WithName("AdminResendVerification")
            .WithSummary("Send a pending user a new verification link (older ones stop working).");
        users.MapPost("/{id:guid}/resend-invitation", ResendAccountMail.InvitationAsync).WithName("AdminResendInvitation")
            .WithSummary("Send an invited user who has not chosen a password a new invitation (older links stop working).");
        users.MapGet("/{id:guid}/export", ExportUserData.HandleAsync).WithName("AdminExportUserData")
            .WithSummary("Everything held about a user, as a JSON attachment (as GET /api/v1/users/me/export).");
        return users;
    }
}
