using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Profiles.Avatars;
using Warden.Server.Users;

namespace Warden.Server.Profiles;

/// <summary>Reading and changing profiles: one's own, and (by the access rules) other users'.</summary>
public static class ProfileHandlers
{
    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> GetOwnAsync(
        HttpContext http, AccessPolicy policy, ProfileReader reader, CancellationToken cancellationToken)
    {
        if (await ProfileAccess.OwnAsync(policy, http, PolicyActions.Read, PolicyResourceTypes.Profile) is { } denied)
        {
            return denied;
        }

        return await reader.GetAsync(http.User.UserId(), cancellationToken) is { } view ? TypedResults.Ok(view) : ApiProblems.NotFound();
    }

    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> PutOwnAsync(HttpContext http, AccessPolicy policy, ProfileUpdater updater, CancellationToken cancellationToken) =>
        await ProfileAccess.OwnAsync(policy, http, PolicyActions.Write, PolicyResourceTypes.Profile) is { } denied
            ? denied
            : await updater.UpdateAsync(http, http.User.UserId(), patch: false, cancellationToken);

    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> PatchOwnAsync(HttpContext http, AccessPolicy policy, ProfileUpdater updater, CancellationToken cancellationToken) =>
        await ProfileAccess.OwnAsync(policy, http, PolicyActions.Write, PolicyResourceTypes.Profile) is { } denied
            ? denied
            : await updater.UpdateAsync(http, http.User.UserId(), patch: true, cancellationToken);

    /// <summary>Another user's profile. Not allowed and not there answer alike (404), so ids cannot be probed.</summary>
    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> GetByIdAsync(
        Guid id, HttpContext http, AccessPolicy policy, ProfileReader reader, CancellationToken cancellationToken)
    {
        if (!(await ProfileAccess.DecideAsync(policy, http, http.User, PolicyActions.Read, id)).IsAllowed)
        {
            return ApiProblems.NotFound();
        }

        return await reader.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view.SeenBy(http.User.UserId())) : ApiProblems.NotFound();
    }

    /// <summary>
    /// Changes another user's profile (merge patch). A caller who may read the profile but not change it gets
    /// the denying rule's 403: it already knows the profile exists. Anyone else gets the 404 of a missing id.
    /// </summary>
    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> PatchByIdAsync(
        Guid id, HttpContext http, AccessPolicy policy, WardenDbContext db, ProfileUpdater updater, CancellationToken cancellationToken)
    {
        var write = await ProfileAccess.DecideAsync(policy, http, http.User, PolicyActions.Write, id);
        if (!write.IsAllowed)
        {
            return (await ProfileAccess.DecideAsync(policy, http, http.User, PolicyActions.Read, id)).IsAllowed
                   && await db.Users.AnyAsync(u => u.Id == id && u.Status != Users.UserStatus.Deleted, cancellationToken)
                ? AccessGuards.Denied(write)
                : ApiProblems.NotFound();
        }

        var result = await updater.UpdateAsync(http, id, patch: true, cancellationToken);
        return result.Result is Ok<ProfileView> { Value: { } view } ? TypedResults.Ok(view.SeenBy(http.User.UserId())) : result;
    }
}

/// <summary>Applies a PUT or merge-patch body to a profile, with every field's validation, one event and cache invalidation.</summary>
public sealed class ProfileUpdater(WardenDbContext db, ProfileReader reader, ProfileCache cache, IAvatarStorage avatars, TimeProvider time)
{
    // Each lost race means another writer won, so n concurrent writers need at most n attempts; ten covers any
    // plausible burst on one profile. Past that the answer is a 409 to retry, never a 500.
    private const int MaxAttempts = 10;

    public async Task<Results<Ok<ProfileView>, ProblemHttpResult>> UpdateAsync(HttpContext http, Guid ownerId, bool patch, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(http, patch ? [JsonBody.MergePatch, JsonBody.Json] : [JsonBody.Json], cancellationToken);
        if (document is null)
        {
            return problem!;
        }

        using (document)
        {
            return await UpdateAsync(ownerId, document.RootElement, patch, cancellationToken);
        }
    }

    /// <summary>
    /// The update itself, for the API (the body it read) and the profile page (its form as a merge patch): one copy of
    /// the fields' rules (<see cref="ProfileFields"/>), of the concurrency retry and of the event.
    /// </summary>
    public async Task<Results<Ok<ProfileView>, ProblemHttpResult>> UpdateAsync(
        Guid ownerId, System.Text.Json.JsonElement body, bool patch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryUpdateAsync(ownerId, body, patch, cancellationToken);
            }
            catch (DbUpdateException) when (attempt < MaxAttempts)
            {
                // Someone else changed (or first created) the profile between our read and write: apply the body
                // again to the new state.
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The profile kept changing meanwhile; try again.");
            }
        }
    }

    private async Task<Results<Ok<ProfileView>, ProblemHttpResult>> TryUpdateAsync(
        Guid ownerId, System.Text.Json.JsonElement body, bool patch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var profile = await ProfileRows.LoadForUpdateAsync(db, ownerId, now, cancellationToken);
        if (profile is null)
        {
            return ApiProblems.NotFound();
        }

        var previousAvatar = profile.AvatarUrl;
        var fields = new JsonFields(body);
        var changed = ProfileFields.Apply(profile, fields, patch, avatars.IsOwnUrl);
        if (fields.HasErrors)
        {
            return ApiProblems.ValidationProblem(fields.ToDictionary());
        }

        if (changed.Count > 0)
        {
            profile.UpdatedAt = now;
            profile.Version++;
            db.AddEvent(EventTypes.ProfileUpdated, ownerId, new
            {
                userId = ownerId,
                fields = changed,
            }, now);
            await db.SaveChangesAsync(cancellationToken);
            cache.Invalidate(ownerId);
            await avatars.DeleteReplacedAsync(previousAvatar, profile.AvatarUrl, cancellationToken);
        }

        return TypedResults.Ok(reader.From(profile));
    }
}
