using System.Globalization;
using System.Text;

namespace Warden.Tests.Observability;

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict reader of the Prometheus text format, written from the format's description rather than from Warden's
/// writer: every sample must belong to a family announced by HELP and TYPE lines, counters end in <c>_total</c>,
/// histogram buckets are cumulative and end at <c>+Inf</c> equal to <c>_count</c>.
/// </summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape(Dictionary<string, string> types, Dictionary<string, string> help, List<PrometheusSample> samples)
    {
        Types = types;
        Help = help;
        Samples = samples;
    }

    public IReadOnlyDictionary<string, string> Types { get; }
    public IReadOnlyDictionary<string, string> Help { get; }
    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>The sum of the samples named so whose labels include all of <paramref name="labels"/> (0 when none).</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public static PrometheusScrape Parse(string text)
    {
        var types = new Dictionary<string, string>();
        var help = new Dictionary<string, string>();
        var samples = new List<PrometheusSample>();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                Assert.True(help.TryAdd(parts[0], parts[1]), $"second HELP for {parts[0]}");
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(help.ContainsKey(parts[0]), $"TYPE before HELP for {parts[0]}");
                Assert.True(types.TryAdd(parts[0], parts[1]), $"second TYPE for {parts[0]}");
                continue;
            }

            Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
            samples.Add(ParseSample(line));
        }

        foreach (var sample in samples)
        {
            Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", sample.Name);
            var family = types.Keys.Where(f => sample.Name == f || sample.Name.StartsWith(f + "_", StringComparison.Ordinal))
                .OrderByDescending(f => f.Length).FirstOrDefault();
            Assert.True(family is not null, $"sample {sample.Name} has no TYPE line");
            switch (types[family!])
            {
                case "counter":
                    Assert.EndsWith("_total", sample.Name, StringComparison.Ordinal);
                    Assert.True(sample.Value >= 0);
                    break;
                case "histogram":
                    Assert.Contains(sample.Name[family!.Length..], new[] { "_bucket", "_sum", "_count" });
                    break;
                default:
                    Assert.Equal(family, sample.Name);
                    break;
            }
        }

        foreach (var histogram in types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            foreach (var series in samples.Where(s => s.Name == histogram + "_count"))
            {
                var key = Key(series.Labels);
                var buckets = samples.Where(s => s.Name == histogram + "_bucket" && Key(s.Labels.Where(l => l.Key != "le")) == key).ToList();
                Assert.NotEmpty(buckets);
                Assert.Equal("+Inf", buckets[^1].Labels["le"]);
                Assert.Equal(series.Value, buckets[^1].Value);
                for (var i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{histogram} buckets are not cumulative");
                    if (buckets[i].Labels["le"] != "+Inf")
                    {
                        Assert.True(Number(buckets[i].Labels["le"]) > Number(buckets[i - 1].Labels["le"]));
                    }
                }

                Assert.Contains(samples, s => s.Name == histogram + "_sum" && Key(s.Labels) == key);
            }
        }

        return new PrometheusScrape(types, help, samples);
    }

    private static string Key(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static PrometheusSample ParseSample(string line)
    {
        var labels = new Dictionary<string, string>();
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                Assert.Matches("^[a-zA-Z_][a-zA-Z0-9_]*$", key);
                Assert.Equal('"', line[eq + 1]);
                var value = new StringBuilder();
                var j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            _ => throw new Xunit.Sdk.XunitException($"bad escape in {line}"),
                        });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }

                Assert.True(labels.TryAdd(key, value.ToString()), $"label {key} twice in {line}");
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        Assert.Equal(' ', line[i]);
        return new PrometheusSample(name, labels, Number(line[(i + 1)..]));
    }

    private static double Number(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
