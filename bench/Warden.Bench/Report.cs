using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Warden.Bench;

/// <summary>
/// Writes the results table of one run into RESULTS.md between its markers (the rest of the file is prose a
/// person keeps), so rerunning bench/run.sh updates the figures and nothing else.
/// </summary>
public static class Report
{
    public const string Begin = "<!-- results:begin (written by bench/run.sh; edits between these markers are overwritten) -->";
    public const string End = "<!-- results:end -->";

    private static readonly Dictionary<string, (string Item, string Title)> Figures = new()
    {
        ["hash"] = ("1", "password-hash ceiling (Argon2id m=19456 t=2 p=1, one thread per core), before and after the logins"),
        ["login"] = ("2", "password login (distinct users, no 2FA)"),
        ["live-during-login"] = ("2", "GET /health/live on one more connection during the login figure (is the node still responsive?)"),
        ["register"] = ("3", "registration"),
        ["refresh"] = ("4", "token refresh (each client rotates its own token)"),
        ["live"] = ("5", "GET /health/live (bare endpoint)"),
        ["me"] = ("5", "GET /api/v1/users/me (bearer token)"),
        ["admin-search"] = ("6", "admin user search (one user's email)"),
        ["admin-list"] = ("6", "admin user listing (pages 1-10 of 20)"),
        ["admin-search-alone"] = ("6", "admin user search, one connection (one administrator's wait), largest count"),
        ["admin-list-alone"] = ("6", "admin user listing, one connection (one administrator's wait), largest count"),
        ["startup-cold"] = ("7", "start to ready, empty database (migrations, seeding, keys)"),
        ["startup-warm"] = ("7", "start to ready, existing database"),
        ["rss-idle"] = ("7", "resident memory, idle after start"),
        ["rss-load"] = ("7", "resident memory, peak under load"),
        ["hash-kc"] = ("8", "password-hash ceiling with Keycloak's parameters (Argon2id m=7168 t=5 p=1), before and after"),
        ["login-kc"] = ("8", "password login with Keycloak's parameters"),
        ["crossnode-revoke"] = ("9", "session revoked on node A, refused by node B (two nodes, one Redis)"),
        ["crossnode-profile"] = ("9", "profile renamed on node A, read new on node B (two nodes, one Redis)"),
        ["peer-hash"] = ("10", "the peer's password-hash ceiling (its PasswordHasher, one thread per core), before and after its logins"),
        ["peer-login"] = ("10", "the peer: password login, POST /login (distinct users)"),
        ["peer-live"] = ("10", "the peer: GET /health/live (bare endpoint)"),
        ["peer-me"] = ("10", "the peer: GET /manage/info (bearer token)"),
        ["peer-startup-cold"] = ("10", "the peer: start to ready, empty database"),
        ["peer-startup-warm"] = ("10", "the peer: start to ready, existing database"),
        ["peer-rss-idle"] = ("10", "the peer: resident memory, idle after start"),
        ["peer-rss-load"] = ("10", "the peer: resident memory, peak under load"),
        ["seed"] = ("-", "bulk seeding (not a Warden figure: how the users got there)"),
    };

    public static int Run(Options options)
    {
        var lines = File.ReadAllLines(options.Text("results")).Where(l => l.TrimStart().StartsWith('{')).ToList();
        var results = lines.Select(l => JsonSerializer.Deserialize<Measurement>(l, Measurement.Json)!).ToList();
        var meta = options.All("meta").Select(m => m.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        var cores = int.Parse(meta.GetValueOrDefault("cores", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        var text = new StringBuilder();
        text.AppendLine(Begin);
        text.AppendLine();
        text.AppendLine($"Run of {meta.GetValueOrDefault("date", "?")} — `{meta.GetValueOrDefault("command", "bench/run.sh")}` ({meta.GetValueOrDefault("mode", "full")}), commit `{meta.GetValueOrDefault("commit", "?")}`.");
        text.AppendLine();
        text.AppendLine($"Machine: {cores} vCPU ({meta.GetValueOrDefault("cpu", "?")}), {meta.GetValueOrDefault("memory", "?")} memory, {meta.GetValueOrDefault("os", "?")}, .NET {meta.GetValueOrDefault("dotnet", "?")}, PostgreSQL {meta.GetValueOrDefault("postgres", "?")}, wrk {meta.GetValueOrDefault("wrk", "?")}.");
        text.AppendLine($"Load average before / after the run: {meta.GetValueOrDefault("load-before", "?")} / {meta.GetValueOrDefault("load-after", "?")} (above ~0.5 on an otherwise idle machine means other work shared the cores: read the ratios, not the absolute figures).");
        text.AppendLine($"Settings: {meta.GetValueOrDefault("settings", "")}");
        text.AppendLine();
        text.AppendLine("| # | figure | db | users | clients | req/s | per vCPU | per CPU-s | p50 ms | p99 ms | errors | note |");
        text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results.Where(r => Figures.ContainsKey(r.Figure)).OrderBy(r => int.TryParse(Figures[r.Figure].Item, out var n) ? n : int.MaxValue))
        {
            var (item, title) = Figures[r.Figure];
            var invalid = r.Errors is > 0 && r.Requests is > 0 && r.Errors > r.Requests / 100 ? " **INVALID: more than 1% errors**" : "";
            var rate = r.Rps is { } rps ? Fmt(rps) : r.Value is { } v ? $"{Fmt(v)} {r.Unit}" : "";
            var perCore = r.Rps is { } x && r.Figure != "seed" ? Fmt(x / cores) : "";
            var perCpu = PerCpuSecond(r) is { } p ? Fmt(p) : r.Value is not null && r.CpuSeconds is { } c ? $"{Fmt(c)} s CPU" : "";
            text.AppendLine($"| {item} | {title} | {r.Db} | {Count(r.Users)} | {r.Concurrency} | {rate} | {perCore} | {perCpu} | {Fmt(r.P50Ms)} | {Fmt(r.P99Ms)} | {r.Errors} | {Escape(r.Note)}{invalid} |");
        }

        foreach (var skipped in results.Where(r => r.Figure == "skipped"))
        {
            text.AppendLine();
            text.AppendLine($"**SKIPPED: {Escape(skipped.Note)}**");
        }

        text.AppendLine();
        text.AppendLine("Against the aims (reported, not asserted):");
        text.AppendLine();
        text.AppendLine("| aim | db | target | measured | met |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var db in results.Select(r => r.Db).Where(d => d is "sqlite" or "postgres").Distinct())
        {
            Measurement? Find(string figure) => results.LastOrDefault(r => r.Figure == figure && r.Db == db);

            // The ceiling is measured before and after the logins; their mean is what the logins competed with.
            double? Ceiling(string figure) => results.Where(r => r.Figure == figure && r.Db == db && r.Rps is not null)
                .Select(r => r.Rps!.Value).DefaultIfEmpty(double.NaN).Average();
            double? CpuCeiling(string figure) => results.Where(r => r.Figure == figure && r.Db == db && PerCpuSecond(r) is not null)
                .Select(r => PerCpuSecond(r)!.Value).DefaultIfEmpty(double.NaN).Average();
            double? PerCpu(string figure) => Find(figure) is { } f ? PerCpuSecond(f) : null;
            void Aim(string aim, string target, double? measured, Func<double, bool> met, string format)
            {
                if (measured is { } m && !double.IsNaN(m))
                {
                    text.AppendLine($"| {aim} | {db} | {target} | {string.Format(CultureInfo.InvariantCulture, format, m)} | {(met(m) ? "yes" : "**no**")} |");
                }
            }

            Aim("logins / hash ceiling (mean of before and after)", "≥ 0.85", Find("login")?.Rps / Ceiling("hash"), m => m >= 0.85, "{0:0.00}");
            Aim("the same, per CPU-second (server process vs hash tool; robust to a shared machine)", "≥ 0.85", PerCpu("login") / CpuCeiling("hash"), m => m >= 0.85, "{0:0.00}");
            Aim("authenticated read / bare endpoint", "≥ 0.5", Find("me")?.Rps / Find("live")?.Rps, m => m >= 0.5, "{0:0.00}");
            Aim("the same, per server CPU-second", "≥ 0.5", PerCpu("me") / PerCpu("live"), m => m >= 0.5, "{0:0.00}");
            Aim("refreshes per second per vCPU", "≥ 600", Find("refresh")?.Rps / cores, m => m >= 600, "{0:0}");
            Aim("refreshes per server CPU-second", "≥ 600", PerCpu("refresh"), m => m >= 600, "{0:0}");
            var search = results.Where(r => r.Figure == "admin-search" && r.Db == db).MaxBy(r => r.Users);
            Aim($"admin search p99 at {Count(search?.Users)} users", "< 50 ms (at 1,000,000)", search?.P99Ms, m => m < 50, "{0:0.0} ms");
            var list = results.Where(r => r.Figure == "admin-list" && r.Db == db).MaxBy(r => r.Users);
            Aim($"admin listing p99 at {Count(list?.Users)} users", "< 50 ms (at 1,000,000)", list?.P99Ms, m => m < 50, "{0:0.0} ms");
            var searchAlone = results.Where(r => r.Figure == "admin-search-alone" && r.Db == db).MaxBy(r => r.Users);
            Aim($"the same search, one connection, at {Count(searchAlone?.Users)} users", "< 50 ms (at 1,000,000)", searchAlone?.P99Ms, m => m < 50, "{0:0.0} ms");
            var listAlone = results.Where(r => r.Figure == "admin-list-alone" && r.Db == db).MaxBy(r => r.Users);
            Aim($"the same listing, one connection, at {Count(listAlone?.Users)} users", "< 50 ms (at 1,000,000)", listAlone?.P99Ms, m => m < 50, "{0:0.0} ms");
            Aim("start to ready (existing database)", "< 1 s", Find("startup-warm")?.Value, m => m < 1000, "{0:0} ms");
            Aim("CPU time from start to ready (existing database)", "< 1 s", Find("startup-warm")?.CpuSeconds * 1000, m => m < 1000, "{0:0} ms");
            Aim("resident memory idle", "< 150 MB", Find("rss-idle")?.Value, m => m < 150, "{0:0} MB");
            Aim("logins per vCPU, Keycloak's hash parameters", "Keycloak publishes 15", Find("login-kc")?.Rps / cores, m => m >= 15, "{0:0.0}");
            Aim("logins per server CPU-second, Keycloak's hash parameters", "Keycloak publishes 15 per vCPU", PerCpu("login-kc"), m => m >= 15, "{0:0.0}");
            Aim("session revoked on one node, refused by the other (p99)", "< 1 s", Find("crossnode-revoke")?.P99Ms, m => m < 1000, "{0:0} ms");
            Aim("profile changed on one node, read new on the other (p99)", "< 1 s", Find("crossnode-profile")?.P99Ms, m => m < 1000, "{0:0} ms");
            Aim("logins / hash ceiling, Keycloak's parameters", "≥ 0.85", Find("login-kc")?.Rps / Ceiling("hash-kc"), m => m >= 0.85, "{0:0.00}");
        }

        Beside(text, results);
        text.AppendLine();
        text.AppendLine(End);

        var into = options.Text("into");
        var existing = File.Exists(into) ? File.ReadAllText(into) : "";
        var begin = existing.IndexOf("<!-- results:begin", StringComparison.Ordinal);
        var end = existing.IndexOf(End, StringComparison.Ordinal);
        var updated = begin >= 0 && end > begin
            ? existing[..begin] + text.ToString().TrimEnd() + existing[(end + End.Length)..]
            : existing + (existing.Length > 0 ? "\n" : "") + text;
        File.WriteAllText(into, updated);
        return 0;
    }

    /// <summary>
    /// Warden's ratios beside the peer's (figure 10, SQLite, same run): each against its own bare endpoint and its
    /// own hasher's ceiling, so the comparison says what each adds to the framework, not whose hash is cheaper.
    /// </summary>
    private static void Beside(StringBuilder text, List<Measurement> results)
    {
        if (!results.Any(r => r.Figure.StartsWith("peer-", StringComparison.Ordinal)))
        {
            return;
        }

        Measurement? Find(string figure) => results.LastOrDefault(r => r.Figure == figure && r.Db == "sqlite");
        double? Mean(string figure, Func<Measurement, double?> of) =>
            results.Where(r => r.Figure == figure && r.Db == "sqlite").Select(of).OfType<double>().DefaultIfEmpty(double.NaN).Average();
        double? Ratio(string a, string b) => Find(a)?.Rps / Find(b)?.Rps;
        double? CpuRatio(string a, string b) => Find(a) is { } x && Find(b) is { } y ? PerCpuSecond(x) / PerCpuSecond(y) : null;
        string F(double? v, string format) => v is { } d && !double.IsNaN(d) ? string.Format(CultureInfo.InvariantCulture, format, d) : "";

        text.AppendLine();
        text.AppendLine("Beside the peer (plain ASP.NET Core Identity, `MapIdentityApi`, SQLite; same machine, same run):");
        text.AppendLine();
        text.AppendLine("| ratio or figure | goal for Warden | Warden | the peer |");
        text.AppendLine("| --- | --- | ---: | ---: |");
        text.AppendLine($"| authenticated read / bare endpoint (req/s) | ≥ 0.5 | {F(Ratio("me", "live"), "{0:0.00}")} | {F(Ratio("peer-me", "peer-live"), "{0:0.00}")} |");
        text.AppendLine($"| the same, per server CPU-second | ≥ 0.5 | {F(CpuRatio("me", "live"), "{0:0.00}")} | {F(CpuRatio("peer-me", "peer-live"), "{0:0.00}")} |");
        text.AppendLine($"| sign-ins / own hasher's ceiling (mean of before and after) | ≥ 0.9 | {F(Find("login")?.Rps / Mean("hash", r => r.Rps), "{0:0.00}")} | {F(Find("peer-login")?.Rps / Mean("peer-hash", r => r.Rps), "{0:0.00}")} |");
        text.AppendLine($"| the same, per CPU-second | ≥ 0.9 | {F(PerCpu("login") / Mean("hash", PerCpuSecond), "{0:0.00}")} | {F(PerCpu("peer-login") / Mean("peer-hash", PerCpuSecond), "{0:0.00}")} |");
        text.AppendLine($"| start to ready, existing database | < 1 s | {F(Find("startup-warm")?.Value, "{0:0} ms")} | {F(Find("peer-startup-warm")?.Value, "{0:0} ms")} |");
        text.AppendLine($"| CPU time from start to ready | — | {F(Find("startup-warm")?.CpuSeconds, "{0:0.00} s")} | {F(Find("peer-startup-warm")?.CpuSeconds, "{0:0.00} s")} |");
        text.AppendLine($"| resident memory idle | < 150 MB | {F(Find("rss-idle")?.Value, "{0:0} MB")} | {F(Find("peer-rss-idle")?.Value, "{0:0} MB")} |");
        text.AppendLine($"| resident memory, peak under load | ≤ 300 MB | {F(Find("rss-load")?.Value, "{0:0} MB")} | {F(Find("peer-rss-load")?.Value, "{0:0} MB")} |");
        return;

        double? PerCpu(string figure) => Find(figure) is { } f ? PerCpuSecond(f) : null;
    }

    /// <summary>Requests per CPU-second of the process that did the work, when that was measured.</summary>
    private static double? PerCpuSecond(Measurement r) =>
        r.Requests is { } n && r.CpuSeconds is > 0 and { } cpu && r.Value is null && r.Figure != "seed" ? n / cpu : null;

    private static string Fmt(double? value) => value switch
    {
        null => "",
        double v when double.IsNaN(v) => "",
        >= 100 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };

    private static string Count(long? users) => users?.ToString("N0", CultureInfo.InvariantCulture) ?? "";

    private static string Escape(string? note) => (note ?? "").Replace("|", "\\|", StringComparison.Ordinal);
}
