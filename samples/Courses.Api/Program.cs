using Warden.Client.AspNetCore;

namespace Courses.Api;

/// <summary>The Courses service: everything about trusting Warden comes from Warden.Client.AspNetCore.</summary>
public sealed class Program
{
    public static void Main(string[] args) => Build(args).Run();

    /// <summary>The application; <paramref name="configure"/> lets a host (the tests) adjust the builder first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, string? contentRoot = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot });
        builder.Services.AddWardenAuthentication(options => builder.Configuration.GetSection("Warden").Bind(options));
        builder.Services.AddSingleton<CourseStore>();
        builder.Services.AddOptions<UserDeletedOptions>().Bind(builder.Configuration.GetSection(UserDeletedOptions.Section));
        builder.Services.AddHostedService<UserDeletedConsumer>();
        builder.Services.AddProblemDetails();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGroup("/courses").MapCourseEndpoints();
        app.MapGet("/health", () => "ok");
        return app;
    }
}
