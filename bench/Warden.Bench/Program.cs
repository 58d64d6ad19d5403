using System.Globalization;

namespace Warden.Bench;

/// <summary>
/// The parts of the benchmark that a load generator cannot do: the password-hash ceiling, bulk seeding
/// through Warden's own model and hasher, the stateful refresh-token driver, and the results table.
/// bench/run.sh drives it; every measurement is one JSON line on standard output.
/// </summary>
public static class Program
{
    private const string Usage = """
        Warden.Bench <command> [--option value ...]
          hash     --threads N --seconds S [--memory-kib M --iterations T]   raw Argon2id verifications on N threads
          seed     --provider sqlite|postgres --connection CS --from A --to B [--prefix P --addresses bench|varied --password PW --memory-kib M --iterations T]
          token    --url U --email E --password PW                          prints an access token
          warm     --url U [--prefix P --password PW --users N --rounds R]   count-based warm-up of every flow
          refresh  --url U --clients N --seconds S --prefix P --first K --password PW   each client rotates its own refresh token
          crossnode --a URL --b URL [--prefix P --first K --samples N --password PW]  change on node A, seen on node B after how long
          soak     --url U --server-pid P [--seconds S --idle S --clients N --mix R,F,S,G --users N --prefix P]  mixed load, then idle, sampling the server's RSS
          report   --results FILE.jsonl --into RESULTS.md [--meta key=value ...]     writes the results table
        """;

    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 1 : 0;
        }

        var options = Options.Parse(args[1..]);
        try
        {
            return args[0] switch
            {
                "hash" => HashCeiling.Run(options),
                "seed" => await Seeder.RunAsync(options),
                "token" => await TokenCommand.RunAsync(options),
                "refresh" => await RefreshDriver.RunAsync(options),
                "warm" => await Warmup.RunAsync(options),
                "crossnode" => await CrossNode.RunAsync(options),
                "soak" => await Soak.RunAsync(options),
                "report" => Report.Run(options),
                _ => Fail($"unknown command '{args[0]}'\n{Usage}"),
            };
        }
        catch (ArgumentException ex)
        {
            return Fail(ex.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"Warden.Bench: {message}");
        return 2;
    }
}

/// <summary><c>--name value</c> pairs; <c>--meta</c> may repeat.</summary>
public sealed class Options
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value', got '{args[i]}'");
            }

            var name = args[i][2..];
            if (!options._values.TryGetValue(name, out var list))
            {
                options._values[name] = list = [];
            }

            list.Add(args[++i]);
        }

        return options;
    }

    public string Text(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var v) ? v[^1] : fallback ?? throw new ArgumentException($"--{name} is required");

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public int Number(string name, int? fallback = null) =>
        _values.ContainsKey(name) ? int.Parse(Text(name), CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required");

    public long BigNumber(string name, long? fallback = null) =>
        _values.ContainsKey(name) ? long.Parse(Text(name), CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required");
}
