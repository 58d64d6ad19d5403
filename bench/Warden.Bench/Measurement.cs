using System.Text.Json;
using System.Text.Json.Serialization;

namespace Warden.Bench;

/// <summary>One figure of the run: a JSON line that run.sh completes with its labels and Report reads back.</summary>
public sealed record Measurement
{
    public required string Figure { get; init; }
    public string? Db { get; init; }
    public long? Users { get; init; }
    public int? Concurrency { get; init; }
    public double? Seconds { get; init; }
    public long? Requests { get; init; }
    public double? Rps { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public long? Errors { get; init; }

    /// <summary>CPU time (user + system) of the process doing the work (the server, or the hash tool) during the figure.</summary>
    public double? CpuSeconds { get; init; }
    public double? Value { get; init; }
    public string? Unit { get; init; }
    public string? Note { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Throughput and latency percentiles of a set of operations that ran for <paramref name="seconds"/>.</summary>
    public static Measurement FromLatencies(string figure, List<double> latenciesMs, double seconds, int concurrency, long errors, double? cpuSeconds, string? note = null)
    {
        latenciesMs.Sort();
        return new Measurement
        {
            Figure = figure,
            Concurrency = concurrency,
            Seconds = Math.Round(seconds, 2),
            Requests = latenciesMs.Count,
            Rps = Math.Round(latenciesMs.Count / seconds, 1),
            P50Ms = Math.Round(Percentile(latenciesMs, 0.50), 2),
            P99Ms = Math.Round(Percentile(latenciesMs, 0.99), 2),
            Errors = errors,
            CpuSeconds = cpuSeconds is { } cpu ? Math.Round(cpu, 2) : null,
            Note = note,
        };
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>CPU time of a process, from /proc (Linux): user + system.</summary>
public static class ProcessCpu
{
    public static double Seconds(int pid, int ticksPerSecond)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ", field 3 is first
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / (double)ticksPerSecond;
    }
}
