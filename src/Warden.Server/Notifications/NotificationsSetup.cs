using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

public static class NotificationsSetup
{
    /// <summary>
    /// Email and SMS delivery and templates. Senders are called from event handlers, never from the request
    /// that caused the message: a slow mail server never slows a request, and the outbox keeps the message
    /// until it is sent.
    /// </summary>
    public static IServiceCollection AddWardenNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EmailOptions, EmailOptionsValidator>(configuration, EmailOptions.Section);
        services.AddValidatedOptions<SmsOptions, SmsOptionsValidator>(configuration, SmsOptions.Section);

        services.AddSingleton<PublicLinks>();
        services.AddScoped<AccountMailer>();
        services.AddSingleton<EmailTemplates>();
        services.AddSingleton<SmsTemplates>();

        services.AddSingleton<SmtpEmailSender>();
        services.AddSingleton<PickupEmailSender>();
        services.AddSingleton<IEmailSender>(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.Delivery == EmailDelivery.Smtp
            ? sp.GetRequiredService<SmtpEmailSender>()
            : sp.GetRequiredService<PickupEmailSender>());

        // The sender applies Warden:Sms:Gateway:Timeout per request; the client's own limit would cut it short.
        services.AddHttpClient(GatewaySmsSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<GatewaySmsSender>();
        services.AddSingleton<FileSmsSender>();
        services.AddSingleton<ISmsSender>(sp => sp.GetRequiredService<IOptions<SmsOptions>>().Value.Delivery == SmsDelivery.Gateway
            ? sp.GetRequiredService<GatewaySmsSender>()
            : sp.GetRequiredService<FileSmsSender>());
        return services;
    }
}
