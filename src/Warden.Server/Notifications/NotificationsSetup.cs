namespace Warden.Server.Notifications;

public static class NotificationsSetup
{
    /// <summary>Email and SMS delivery and templates (issue 4).</summary>
    public static IServiceCollection AddWardenNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }
}
