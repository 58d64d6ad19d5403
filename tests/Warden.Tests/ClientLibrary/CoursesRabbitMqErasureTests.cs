using System.Net;
using Courses.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Warden.Tests.Infrastructure;
using Warden.Tests.Messaging;

namespace Warden.Tests.ClientLibrary;

/// <summary>Warden publishing to the real broker (an exchange and queue of this run's own), and the sample consuming <c>user.deleted</c>.</summary>
public sealed class CoursesErasureFixture : CoursesFixture
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];

    public string Exchange => $"warden.test.{_id}";

    public string Queue => $"warden.test.{_id}.courses";

    protected override WardenFactory CreateWarden() => new OutsideFactory()
        .With("Warden:RabbitMq:ConnectionString", RabbitMqBroker.Url)
        .With("Warden:RabbitMq:Exchange", Exchange)
        .With("Warden:RabbitMq:ReconnectDelay", "00:00:00.200")
        .With("Warden:RabbitMq:Timeout", "00:00:05");

    protected override IDictionary<string, string?> SampleSettings() => new Dictionary<string, string?>
    {
        ["RabbitMq:ConnectionString"] = RabbitMqBroker.Url,
        ["RabbitMq:Exchange"] = Exchange,
        ["RabbitMq:Queue"] = Queue,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await RabbitMqConsumer.DeleteAsync(Exchange, Queue);
    }
}

/// <summary>An account erased in Warden is erased from the Courses service through <c>user.deleted</c> on RabbitMQ.</summary>
public sealed class CoursesRabbitMqErasureTests(CoursesErasureFixture courses) : IClassFixture<CoursesErasureFixture>
{
    [Fact]
    public async Task AUserErasedInWardenLosesTheirCoursesAndEnrolmentsInTheService()
    {
        var consumer = courses.Sample.Services.GetServices<IHostedService>().OfType<UserDeletedConsumer>().Single();
        await consumer.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        var (teacherId, teacher) = await courses.UserTokenAsync("teacher");
        var (_, colleague) = await courses.UserTokenAsync("teacher");
        var theirs = (await (await courses.SendAsync(HttpMethod.Post, "/courses", teacher, new { title = "Idioms", level = "C1" })).ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var kept = (await (await courses.SendAsync(HttpMethod.Post, "/courses", colleague, new { title = "Tenses", level = "A2" })).ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await courses.SendAsync(HttpMethod.Post, $"/courses/{kept}/enrolments", teacher)).StatusCode);
        var store = courses.Sample.Services.GetRequiredService<CourseStore>();

        Assert.Equal(HttpStatusCode.NoContent, (await (await courses.AdminAsync()).Client.DeleteAsync($"/api/v1/admin/users/{teacherId}")).StatusCode);

        await Eventually.TrueAsync(() => store.Find(theirs) is null, "user.deleted reaches the service", TimeSpan.FromSeconds(15));
        Assert.Empty(store.EnrolmentsOf(teacherId));
        Assert.NotNull(store.Find(kept));
    }
}
