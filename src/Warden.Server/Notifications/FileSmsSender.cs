using System.Text.Json;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

/// <summary>Writes one JSON file <c>{to, body, sentAt}</c> per message, moved in whole so readers never see half of one.</summary>
internal sealed class FileSmsSender(IOptions<SmsOptions> options, IOptions<WardenOptions> warden, TimeProvider time) : ISmsSender
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        var directory = PrivateFiles.CreateDirectory(options.Value.Directory ?? warden.Value.DataPath("sms")).FullName;
        var id = Guid.CreateVersion7().ToString("N");
        var staging = Path.Combine(directory, $".{id}.tmp");
        await PrivateFiles.WriteNewAsync(
            staging, JsonSerializer.SerializeToUtf8Bytes(new { to = message.To, body = message.Body, sentAt = time.GetUtcNow() }, Json), cancellationToken);
        File.Move(staging, Path.Combine(directory, $"{id}.json"));
    }
}
