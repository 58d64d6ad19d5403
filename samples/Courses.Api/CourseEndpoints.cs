using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Client.AspNetCore;
using Warden.Policies;

namespace Courses.Api;

public sealed record CourseRequest(string? Title, string? Level);

/// <summary>
/// The catalogue is public; enrolling needs a signed-in user whose email is verified (rule <c>enrolVerified</c>);
/// writing needs the permission <c>courses:write</c>, and changing a course also the rule <c>courses.edit</c>
/// (teachers their own courses, administrators all; appsettings.json).
/// </summary>
public static class CourseEndpoints
{
    public const string CourseType = "course";
    public const string Edit = "courses.edit";
    public const string Enrol = "courses.enrol";

    public static RouteGroupBuilder MapCourseEndpoints(this RouteGroupBuilder courses)
    {
        courses.MapGet("", (CourseStore store) => TypedResults.Ok(store.All())).AllowAnonymous();
        courses.MapGet("/{id:guid}", Results<Ok<Course>, NotFound> (Guid id, CourseStore store) =>
            store.Find(id) is { } course ? TypedResults.Ok(course) : TypedResults.NotFound()).AllowAnonymous();
        courses.MapPost("", Create).RequirePermission("courses:write");
        courses.MapPut("/{id:guid}", Update).RequirePermission("courses:write");
        courses.MapPost("/{id:guid}/enrolments", EnrolAsync).RequireAuthorization();
        courses.MapGet("/enrolments/mine", (WardenUserAccessor user, CourseStore store) => TypedResults.Ok(store.EnrolmentsOf(user.Current!.Id)))
            .RequireAuthorization();
        return courses;
    }

    private static Results<Created<Course>, ValidationProblem> Create(CourseRequest request, WardenUserAccessor user, CourseStore store)
    {
        if (Invalid(request) is { } problem)
        {
            return problem;
        }

        var course = store.Add(request.Title!.Trim(), request.Level!.Trim(), user.Current!.Id);
        return TypedResults.Created($"/courses/{course.Id}", course);
    }

    private static Results<Ok<Course>, NotFound, ValidationProblem, ProblemHttpResult> Update(
        Guid id, CourseRequest request, HttpContext http, WardenAccessRules rules, CourseStore store)
    {
        if (store.Find(id) is not { } course)
        {
            return TypedResults.NotFound();
        }

        var decision = rules.Evaluate(http, Edit, new PolicyResource(CourseType, course.OwnerId));
        if (!decision.IsAllowed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may not change this course.");
        }

        if (Invalid(request) is { } problem)
        {
            return problem;
        }

        var changed = course with { Title = request.Title!.Trim(), Level = request.Level!.Trim() };
        store.Update(changed);
        return TypedResults.Ok(changed);
    }

    private static Results<NoContent, NotFound, ProblemHttpResult> EnrolAsync(
        Guid id, HttpContext http, WardenAccessRules rules, WardenUserAccessor user, CourseStore store, TimeProvider time)
    {
        if (store.Find(id) is not { } course)
        {
            return TypedResults.NotFound();
        }

        if (!rules.Evaluate(http, Enrol, new PolicyResource(CourseType, course.OwnerId)).IsAllowed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Verify your email address to enrol.");
        }

        store.Enrol(course.Id, user.Current!.Id, time.GetUtcNow());
        return TypedResults.NoContent();
    }

    private static ValidationProblem? Invalid(CourseRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > 200)
        {
            errors["title"] = ["A title of at most 200 characters."];
        }

        if (request.Level is not ("A1" or "A2" or "B1" or "B2" or "C1" or "C2"))
        {
            errors["level"] = ["A CEFR level: A1, A2, B1, B2, C1 or C2."];
        }

        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors);
    }
}
