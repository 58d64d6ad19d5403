using System.Collections.Concurrent;

namespace Courses.Api;

/// <summary>A course; <see cref="OwnerId"/> is the Warden user who wrote it.</summary>
public sealed record Course(Guid Id, string Title, string Level, Guid OwnerId);

/// <summary>
/// The service's own data, in memory to keep the sample small (a real service would use its database): courses and
/// enrolments, both keyed by Warden user ids. <see cref="EraseUser"/> is what <c>user.deleted</c> triggers.
/// </summary>
public sealed class CourseStore
{
    private readonly ConcurrentDictionary<Guid, Course> _courses = new();
    private readonly ConcurrentDictionary<(Guid CourseId, Guid UserId), DateTimeOffset> _enrolments = new();

    public IReadOnlyList<Course> All() => [.. _courses.Values.OrderBy(c => c.Title, StringComparer.Ordinal)];

    public Course? Find(Guid id) => _courses.GetValueOrDefault(id);

    public Course Add(string title, string level, Guid ownerId)
    {
        var course = new Course(Guid.NewGuid(), title, level, ownerId);
        _courses[course.Id] = course;
        return course;
    }

    public void Update(Course course) => _courses[course.Id] = course;

    public bool Enrol(Guid courseId, Guid userId, DateTimeOffset at) => _enrolments.TryAdd((courseId, userId), at);

    public IReadOnlyList<Guid> EnrolmentsOf(Guid userId) => [.. _enrolments.Keys.Where(k => k.UserId == userId).Select(k => k.CourseId)];

    /// <summary>Everything this service holds about the user: their enrolments, and the courses they wrote.</summary>
    public int EraseUser(Guid userId)
    {
        var erased = 0;
        foreach (var key in _enrolments.Keys.Where(k => k.UserId == userId))
        {
            erased += _enrolments.TryRemove(key, out _) ? 1 : 0;
        }

        foreach (var course in _courses.Values.Where(c => c.OwnerId == userId))
        {
            erased += _courses.TryRemove(course.Id, out _) ? 1 : 0;
            foreach (var key in _enrolments.Keys.Where(k => k.CourseId == course.Id))
            {
                _enrolments.TryRemove(key, out _);
            }
        }

        return erased;
    }
}
