using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Settings;

/// <summary>
/// Notification categories (<see cref="Notifications.MailCategory"/>). <c>security</c> (password, second factor, phone
/// and email changes; registration attempts) is always on; <c>account</c> (welcome, password expiry, new sign-ins) may
/// be turned off; Warden sends no <c>marketing</c> or <c>productUpdates</c> mail: it keeps those for the application.
/// </summary>
public sealed record NotificationSettings(bool Security, bool Account, bool Marketing, bool ProductUpdates);

public sealed record SettingsView(NotificationSettings Notifications, string Theme, string? PreferredSecondFactor, DateTimeOffset? UpdatedAt)
{
    /// <summary>The preferred second factor is the two-factor module's (stored there once); settings show it and may set it.</summary>
    public static SettingsView From(UserSettings settings, string? preferredSecondFactor) => new(
        new NotificationSettings(true, settings.NotifyAccount, settings.NotifyMarketing, settings.NotifyProductUpdates),
        settings.Theme,
        preferredSecondFactor,
        settings.UpdatedAt);
}

/// <summary>
/// GET/PUT <c>/api/v1/users/settings</c>. PUT replaces the whole settings document: a field left out takes its
/// default. Turning <c>security</c> notices off is refused (400): they are how a person learns that someone
/// else got into the account.
/// </summary>
public static class SettingsEndpoints
{
    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "notifications", "theme", "preferredSecondFactor", "updatedAt" };
    private static readonly HashSet<string> NotificationFields = new(StringComparer.Ordinal) { "security", "account", "marketing", "productUpdates" };
    private static readonly string[] SecondFactors = ["totp", "sms", "email"];

    public static async Task<Results<Ok<SettingsView>, ProblemHttpResult>> GetAsync(
        HttpContext http, AccessPolicy policy, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await ProfileAccess.OwnAsync(policy, http, PolicyActions.Read, PolicyResourceTypes.Settings) is { } denied)
        {
            return denied;
        }

        var userId = http.User.UserId();
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken) ?? new UserSettings { UserId = userId };
        return TypedResults.Ok(SettingsView.From(settings, await PreferredSecondFactorAsync(db, userId, cancellationToken)));
    }

    public static Task<string?> PreferredSecondFactorAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken) =>
        db.TwoFactor.AsNoTracking().Where(t => t.UserId == userId).Select(t => t.PreferredMethod).SingleOrDefaultAsync(cancellationToken);

    public static async Task<Results<Ok<SettingsView>, ProblemHttpResult>> PutAsync(
        HttpContext http, AccessPolicy policy, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await ProfileAccess.OwnAsync(policy, http, PolicyActions.Write, PolicyResourceTypes.Settings) is { } denied)
        {
            return denied;
        }

        var (document, problem) = await JsonBody.ReadObjectAsync(http, [JsonBody.Json], cancellationToken);
        if (document is null)
        {
            return problem!;
        }

        using var _ = document;
        return await ReplaceForAsync(http.User.UserId(), document.RootElement, db, time, cancellationToken);
    }

    /// <summary>The replacement itself, for the API (the body it read) and the notifications page (its form as a settings document).</summary>
    public static async Task<Results<Ok<SettingsView>, ProblemHttpResult>> ReplaceForAsync(
        Guid userId, System.Text.Json.JsonElement body, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return ApiProblems.NotFound();
        }

        var fields = new JsonFields(body);
        fields.RejectUnknown(Fields);
        var wanted = new UserSettings { UserId = userId };
        if (fields.TryGet("notifications", out var notifications) && notifications.ValueKind != System.Text.Json.JsonValueKind.Null)
        {
            if (notifications.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                fields.Fail("notifications", "Must be an object.");
            }
            else
            {
                var inner = new JsonFields(notifications);
                inner.RejectUnknown(NotificationFields, "notifications.");
                if (inner.Boolean("security", "notifications.security") == false)
                {
                    inner.Fail("notifications.security", "Security notices cannot be turned off.");
                }

                wanted.NotifyAccount = inner.Boolean("account", "notifications.account") ?? wanted.NotifyAccount;
                wanted.NotifyMarketing = inner.Boolean("marketing", "notifications.marketing") ?? wanted.NotifyMarketing;
                wanted.NotifyProductUpdates = inner.Boolean("productUpdates", "notifications.productUpdates") ?? wanted.NotifyProductUpdates;
                foreach (var (field, messages) in inner.Errors)
                {
                    messages.ForEach(m => fields.Fail(field, m));
                }
            }
        }

        var theme = fields.Text("theme");
        if (theme is not null && !Themes.All.Contains(theme))
        {
            fields.Fail("theme", $"Must be one of: {string.Join(", ", Themes.All)}.");
        }

        wanted.Theme = theme ?? Themes.System;
        var second = fields.Text("preferredSecondFactor");
        if (second is not null)
        {
            if (!SecondFactors.Contains(second))
            {
                fields.Fail("preferredSecondFactor", "Must be totp, sms, email or null.");
            }
            else if (!(await TwoFactorMethods.LoadAsync(db, userId, cancellationToken)).Contains(second))
            {
                fields.Fail("preferredSecondFactor", $"'{second}' is not one of your enabled second factors.");
            }
        }

        if (fields.HasErrors)
        {
            return ApiProblems.ValidationProblem(fields.ToDictionary());
        }

        var now = time.GetUtcNow();
        var stored = await db.UserSettings.SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        var current = stored ?? new UserSettings { UserId = userId };
        var twoFactor = await db.TwoFactor.SingleOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        var preferred = twoFactor?.PreferredMethod;
        var changed = new (string Name, bool Changed)[]
            {
                ("notifications.account", current.NotifyAccount != wanted.NotifyAccount),
                ("notifications.marketing", current.NotifyMarketing != wanted.NotifyMarketing),
                ("notifications.productUpdates", current.NotifyProductUpdates != wanted.NotifyProductUpdates),
                ("theme", current.Theme != wanted.Theme),
                ("preferredSecondFactor", second is not null && preferred != second),
            }
            .Where(f => f.Changed).Select(f => f.Name).ToList();
        if (changed.Count == 0)
        {
            return TypedResults.Ok(SettingsView.From(current, preferred));
        }

        current.NotifyAccount = wanted.NotifyAccount;
        current.NotifyMarketing = wanted.NotifyMarketing;
        current.NotifyProductUpdates = wanted.NotifyProductUpdates;
        current.Theme = wanted.Theme;
        current.UpdatedAt = now;
        if (second is not null && twoFactor is not null)
        {
            // Saved with the settings: one transaction, one place that stores the preference.
            twoFactor.PreferredMethod = preferred = second;
        }

        if (stored is null)
        {
            db.UserSettings.Add(current);
        }

        db.AddEvent(EventTypes.SettingsUpdated, userId, new
        {
            userId,
            fields = changed,
        }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (stored is null)
        {
            // Two first-time PUTs raced on the primary key; the other one's settings stand.
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The settings changed meanwhile; try again.");
        }

        return TypedResults.Ok(SettingsView.From(current, preferred));
    }
}
