using System.Text.Json;

namespace Warden.Server.Audit;

/// <summary>
/// The entry retention pruning appends: it records the sequence number and hash of the last entry it deleted, so
/// verification starts from there rather than from entry 1.
/// </summary>
public static class AuditCheckpoint
{
    public const string Action = "audit.checkpoint";

    public static string Details(long prunedThrough, string prunedHash, int deleted) =>
        JsonSerializer.Serialize(new Pruned(prunedThrough, prunedHash, deleted), JsonSerializerOptions.Web);

    public static Pruned? Read(string details)
    {
        try
        {
            return JsonSerializer.Deserialize<Pruned>(details, JsonSerializerOptions.Web) is { Hash: not null } pruned ? pruned : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public sealed record Pruned(long Sequence, string Hash, int Deleted);
}
