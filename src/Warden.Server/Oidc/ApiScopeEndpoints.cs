using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Check;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

public sealed record CreateApiScopeRequest(string? Name, string? DisplayName, IReadOnlyList<string>? Resources);

/// <summary>An API scope: clients ask for <see cref="Name"/>, and the access token then carries <see cref="Resources"/> as <c>aud</c>.</summary>
public sealed record ApiScopeView(Guid Id, string Name, string? DisplayName, IReadOnlyList<string> Resources, bool BuiltIn);

/// <summary>
/// API scopes (<c>/api/v1/admin/scopes</c>, permission <c>admin:system</c>): how a service built on Warden gets its
/// audience. A client granted the scope (<see cref="ClientEndpoints"/>) receives tokens whose <c>aud</c> is the scope's
/// resources (<see cref="OidcPrincipals"/>), which the service's audience check (Warden.Client.AspNetCore) accepts.
/// A scope still granted to a client is not deleted (409 naming the clients): removing it underneath them would leave
/// clients whose configured scope the token endpoint refuses, so the operator removes or re-registers those first.
/// </summary>
public static class ApiScopeEndpoints
{
    /// <summary>The OpenID Connect scopes and Warden's own API scopes: never created, changed or deleted here.</summary>
    public static readonly IReadOnlySet<string> BuiltIn = new HashSet<string>(
        [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.Roles, Scopes.OfflineAccess, OidcSetup.WardenApiScope, CheckCallers.Scope],
        StringComparer.Ordinal);

    public static RouteGroupBuilder MapApiScopeEndpoints(this RouteGroupBuilder scopes)
    {
        scopes.WithTags("OpenID Connect API scopes").RequireAuthorization(PermissionPolicies.AdminSystem);
        scopes.MapGet("", ListAsync).WithName("ListApiScopes").WithSummary("API scopes with the audiences their tokens carry.");
        scopes.MapPost("", CreateAsync).WithName("CreateApiScope").WithSummary("Register an API scope for a service, with its audience(s).");
        scopes.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteApiScope").WithSummary("Remove an API scope no client is granted.");
        return scopes;
    }

    public static async Task<Ok<List<ApiScopeView>>> ListAsync(WardenDbContext db, IOpenIddictScopeManager scopes, CancellationToken cancellationToken)
    {
        var rows = await db.OidcScopes.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken);
        var views = new List<ApiScopeView>();
        foreach (var row in rows)
        {
            views.Add(await ViewAsync(scopes, row, cancellationToken));
        }

        return TypedResults.Ok(views);
    }

    public static async Task<Results<Created<ApiScopeView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateApiScopeRequest request, WardenDbContext db, IOpenIddictScopeManager scopes, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? "";
        if (!IsScopeToken(name))
        {
            errors["name"] = ["A scope name is 1 to 100 printable ASCII characters without spaces, '\"' or '\\' (RFC 6749, section 3.3)."];
        }
        else if (BuiltIn.Contains(name))
        {
            errors["name"] = [$"'{name}' is a built-in scope."];
        }

        var resources = (request.Resources ?? []).Select(r => r?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (resources.Count == 0 || resources.Count > 10)
        {
            errors["resources"] = ["One to ten resources (the audiences the service checks)."];
        }
        else if (resources.FirstOrDefault(r => !IsResource(r)) is { } bad)
        {
            errors["resources"] = [$"'{bad}' is neither an absolute URI without a fragment nor a simple name (letters, digits, '-', '_', '.'; at most 200)."];
        }

        if (request.DisplayName is { Length: > 200 })
        {
            errors["displayName"] = ["The display name is at most 200 characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await scopes.FindByNameAsync(name, cancellationToken) is not null)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "An API scope with this name exists.");
        }

        var descriptor = new OpenIddictScopeDescriptor
        {
            Name = name,
            DisplayName = string.IsNullOrWhiteSpace(request.DisplayName) ? null : request.DisplayName.Trim(),
        };
        descriptor.Resources.UnionWith(resources);

        // The scope and its event commit together: OpenIddict's store saves through the same DbContext.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var scope = (OidcScope)await scopes.CreateAsync(descriptor, cancellationToken);
        var view = await ViewAsync(scopes, scope, cancellationToken);
        db.AddEvent(EventTypes.OidcScopeCreated, null, new { scopeId = view.Id, name, resources = view.Resources }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/scopes/{view.Id}", view);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, WardenDbContext db, IOpenIddictScopeManager scopes, IOpenIddictApplicationManager applications, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var scope = await db.OidcScopes.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (scope is null)
        {
            return ApiProblems.NotFound("No such API scope.");
        }

        if (BuiltIn.Contains(scope.Name!))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, $"'{scope.Name}' is a built-in scope.");
        }

        var holders = await HoldersAsync(scope.Name!, db, applications, cancellationToken);
        if (holders.Count > 0)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "Clients are granted this scope.",
                $"Clients granted '{scope.Name}': {string.Join(", ", holders)}. Remove them (or register them again without it) first.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await scopes.DeleteAsync(scope, cancellationToken);
        db.AddEvent(EventTypes.OidcScopeDeleted, null, new { scopeId = id, name = scope.Name }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>RFC 6749 section 3.3: <c>scope-token = 1*( %x21 / %x23-5B / %x5D-7E )</c>; Warden caps it at 100.</summary>
    public static bool IsScopeToken(string value) =>
        value.Length is > 0 and <= 100 && value.All(c => c == '\x21' || c is >= '\x23' and <= '\x5B' || c is >= '\x5D' and <= '\x7E');

    /// <summary>
    /// What a service's audience check compares <c>aud</c> with, exactly (JwtBearer's ValidAudience): an absolute URI
    /// (RFC 8707's form) or a simple name such as <c>courses-api</c>; nothing with spaces, which a configuration value
    /// or a JSON array would carry ambiguously.
    /// </summary>
    public static bool IsResource(string value) =>
        value.Length is > 0 and <= 200
        && (value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            // A rooted path parses as an absolute file URI on Unix: only a value that names its scheme counts.
            || (!value.StartsWith('/') && Uri.TryCreate(value, UriKind.Absolute, out var uri) && string.IsNullOrEmpty(uri.Fragment) && !value.Contains('#', StringComparison.Ordinal)
                && value.All(c => c is > ' ' and < '\x7F')));

    private static async Task<List<string>> HoldersAsync(string name, WardenDbContext db, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        // Read through the manager, not a text match on the stored JSON: a scope name may be escaped there.
        var holders = new List<string>();
        foreach (var application in await db.OidcApplications.OrderBy(a => a.ClientId).ToListAsync(cancellationToken))
        {
            if (await applications.HasPermissionAsync(application, OpenIddictConstants.Permissions.Prefixes.Scope + name, cancellationToken))
            {
                holders.Add(application.ClientId!);
            }
        }

        return holders;
    }

    private static async Task<ApiScopeView> ViewAsync(IOpenIddictScopeManager scopes, OidcScope scope, CancellationToken cancellationToken) =>
        new(scope.Id, scope.Name!, scope.DisplayName, [.. (await scopes.GetResourcesAsync(scope, cancellationToken)).Order(StringComparer.Ordinal)],
            BuiltIn.Contains(scope.Name!));
}
