using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Warden.Server.Infrastructure.Observability;

/// <summary>
/// Collects the instruments <c>/metrics</c> exports with a <see cref="MeterListener"/>: every instrument of
/// Warden's meter and ASP.NET Core's <c>http.server.request.duration</c> histogram. Only meters made by this host's
/// <see cref="IMeterFactory"/> are taken, so two servers in one process (tests) never mix their numbers.
/// </summary>
public sealed class MetricsCollector : IHostedService, IDisposable
{
    // ASP.NET Core's advice for request durations; used for any histogram that gives no advice of its own.
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly IMeterFactory _meterFactory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentSeries> _instruments = new();
    private readonly Lock _scrape = new();

    public MetricsCollector(IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (Accepts(instrument))
            {
                var series = _instruments.GetOrAdd(instrument, Create);
                listener.EnableMeasurementEvents(instrument, series);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentSeries? _);
        _listener.SetMeasurementEventCallback<long>((i, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((i, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads the observable instruments and renders everything in the Prometheus text format.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            foreach (var series in _instruments.Values.OfType<LastValueSeries>())
            {
                series.Clear();
            }

            _listener.RecordObservableInstruments();
            var output = new StringBuilder();
            foreach (var series in _instruments.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                series.Render(output);
            }

            return output.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private bool Accepts(Instrument instrument) => Exports(instrument, _meterFactory);

    /// <summary>Whether <c>/metrics</c> of the host owning <paramref name="meterFactory"/> exports <paramref name="instrument"/>.</summary>
    internal static bool Exports(Instrument instrument, IMeterFactory meterFactory) =>
        instrument.Meter.Scope == meterFactory
        && (instrument.Meter.Name == WardenMetrics.MeterName
            || (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration"));

    /// <summary>The family name <paramref name="instrument"/> is exported under (dashboards and alert rules use these).</summary>
    internal static string ExportedName(Instrument instrument) => Create(instrument).Name;

    private static InstrumentSeries Create(Instrument instrument)
    {
        var help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or Counter<float> =>
                new SumSeries(PrometheusText.MetricName(instrument.Name, instrument.Unit, counter: true), help, "counter"),
            UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> or UpDownCounter<float> =>
                new SumSeries(PrometheusText.MetricName(instrument.Name, instrument.Unit, counter: false), help, "gauge"),
            Histogram<double> h => new HistogramSeries(PrometheusText.MetricName(instrument.Name, instrument.Unit, counter: false), help,
                h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBuckets),
            Histogram<long> h => new HistogramSeries(PrometheusText.MetricName(instrument.Name, instrument.Unit, counter: false), help,
                h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets),
            _ when instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal) =>
                new LastValueSeries(PrometheusText.MetricName(instrument.Name, instrument.Unit, counter: true), help, "counter"),
            _ => new LastValueSeries(PrometheusText.MetricName(instrument.Name, instrument.Unit, counter: false), help, "gauge"),
        };
    }

    private abstract class InstrumentSeries(string name, string help, string type)
    {
        public string Name { get; } = name;

        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public void Render(StringBuilder output)
        {
            var start = output.Length;
            output.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusText.EscapeHelp(help)).Append('\n');
            output.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            if (!RenderSamples(output))
            {
                output.Length = start; // nothing measured yet: no family at all, as other exporters do
            }
        }

        protected abstract bool RenderSamples(StringBuilder output);
    }

    /// <summary>Counters and up-down counters: a running sum per label set.</summary>
    private sealed class SumSeries(string name, string help, string type) : InstrumentSeries(name, help, type)
    {
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _cells.GetOrAdd(PrometheusText.Labels(tags), _ => new Cell());
            cell.Add(value);
        }

        protected override bool RenderSamples(StringBuilder output)
        {
            foreach (var (labels, cell) in _cells.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                PrometheusText.Sample(output, Name, labels, PrometheusText.Number(cell.Value));
            }

            return !_cells.IsEmpty;
        }
    }

    /// <summary>Observable instruments: the value each callback reported at this scrape.</summary>
    private sealed class LastValueSeries(string name, string help, string type) : InstrumentSeries(name, help, type)
    {
        private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);

        public void Clear() => _values.Clear();

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => _values[PrometheusText.Labels(tags)] = value;

        protected override bool RenderSamples(StringBuilder output)
        {
            foreach (var (labels, value) in _values.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                PrometheusText.Sample(output, Name, labels, PrometheusText.Number(value));
            }

            return !_values.IsEmpty;
        }
    }

    private sealed class HistogramSeries(string name, string help, double[] bounds) : InstrumentSeries(name, help, "histogram")
    {
        private readonly ConcurrentDictionary<string, Buckets> _series = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _series.GetOrAdd(PrometheusText.Labels(tags), _ => new Buckets(bounds.Length)).Record(bounds, value);

        protected override bool RenderSamples(StringBuilder output)
        {
            foreach (var (labels, buckets) in _series.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                var (counts, sum, count) = buckets.Snapshot();
                long cumulative = 0;
                for (var i = 0; i < bounds.Length; i++)
                {
                    cumulative += counts[i];
                    PrometheusText.Sample(output, Name + "_bucket", labels, cumulative.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        $"le=\"{PrometheusText.Number(bounds[i])}\"");
                }

                PrometheusText.Sample(output, Name + "_bucket", labels, count.ToString(System.Globalization.CultureInfo.InvariantCulture), "le=\"+Inf\"");
                PrometheusText.Sample(output, Name + "_sum", labels, PrometheusText.Number(sum));
                PrometheusText.Sample(output, Name + "_count", labels, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return !_series.IsEmpty;
        }
    }

    private sealed class Cell
    {
        private long _bits;

        public double Value => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _bits));

        public void Add(double value)
        {
            long seen, next;
            do
            {
                seen = Interlocked.Read(ref _bits);
                next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
            }
            while (Interlocked.CompareExchange(ref _bits, next, seen) != seen);
        }
    }

    private sealed class Buckets(int bounds)
    {
        private readonly long[] _counts = new long[bounds + 1];
        private readonly Lock _lock = new();
        private double _sum;
        private long _count;

        public void Record(double[] upperBounds, double value)
        {
            // Prometheus buckets are "less than or equal": a value on a bound belongs to that bound's bucket.
            var index = Array.BinarySearch(upperBounds, value);
            if (index < 0)
            {
                index = ~index;
            }

            lock (_lock)
            {
                _counts[index]++;
                _sum += value;
                _count++;
            }
        }

        public (long[] Counts, double Sum, long Count) Snapshot()
        {
            lock (_lock)
            {
                return ((long[])_counts.Clone(), _sum, _count);
            }
        }
    }
}
