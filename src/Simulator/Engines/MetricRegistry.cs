using System.Globalization;
using System.Text;

namespace Portal.Simulator.Engines;

/// <summary>
/// A minimal Prometheus text-format registry. The engines' metric names contain colons
/// (<c>vllm:num_requests_running</c>), which the Prometheus data model allows but prometheus-net refuses,
/// so the engines keep their own: counters, gauges and histograms with constant and per-sample labels.
/// </summary>
internal sealed class MetricRegistry(IReadOnlyDictionary<string, string> constantLabels)
{
    private readonly List<Family> _families = [];

    public Family Counter(string name, string help, params string[] labelNames) => Add(new Family(name, help, "counter", labelNames, null, constantLabels));

    public Family Gauge(string name, string help, params string[] labelNames) => Add(new Family(name, help, "gauge", labelNames, null, constantLabels));

    public Family Histogram(string name, string help, double[] buckets) => Add(new Family(name, help, "histogram", [], buckets, constantLabels));

    /// <summary>A family with labels of its own instead of the registry's constant ones (vLLM's cache_config_info).</summary>
    public Family GaugeWithOwnLabels(string name, string help, params string[] labelNames) => Add(new Family(name, help, "gauge", labelNames, null, new Dictionary<string, string>()));

    public string Export()
    {
        var text = new StringBuilder();
        lock (_families)
        {
            foreach (var family in _families)
            {
                family.WriteTo(text);
            }
        }

        return text.ToString();
    }

    private Family Add(Family family)
    {
        lock (_families)
        {
            _families.Add(family);
        }

        return family;
    }

    public sealed class Family(string name, string help, string type, string[] labelNames, double[]? buckets, IReadOnlyDictionary<string, string> constantLabels)
    {
        private readonly Dictionary<string, Sample> _samples = [];

        /// <summary>The sample without per-sample labels.</summary>
        public Sample Default => Labels();

        public Sample Labels(params string[] values)
        {
            if (values.Length != labelNames.Length)
            {
                throw new ArgumentException($"{name} takes {labelNames.Length} label values");
            }

            var key = string.Join('\u0000', values);
            lock (_samples)
            {
                if (!_samples.TryGetValue(key, out var sample))
                {
                    var labels = constantLabels.Concat(labelNames.Zip(values, KeyValuePair.Create)).ToList();
                    sample = new Sample(Render(labels), buckets);
                    _samples[key] = sample;
                }

                return sample;
            }
        }

        internal void WriteTo(StringBuilder text)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            if (labelNames.Length == 0)
            {
                _ = Default;
            }

            lock (_samples)
            {
                foreach (var sample in _samples.Values)
                {
                    sample.WriteTo(text, name);
                }
            }
        }

        private static string Render(IEnumerable<KeyValuePair<string, string>> labels) =>
            string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\""));
    }

    public sealed class Sample(string labels, double[]? buckets)
    {
        private readonly long[] _bucketCounts = new long[buckets?.Length ?? 0];
        private double _value;
        private double _sum;
        private long _count;

        public void Inc(double amount = 1)
        {
            lock (this)
            {
                _value += amount;
            }
        }

        public void Set(double value)
        {
            lock (this)
            {
                _value = value;
            }
        }

        public void Observe(double value)
        {
            lock (this)
            {
                _sum += value;
                _count++;
                for (var i = 0; i < _bucketCounts.Length; i++)
                {
                    if (value <= buckets![i])
                    {
                        _bucketCounts[i]++;
                    }
                }
            }
        }

        internal void WriteTo(StringBuilder text, string name)
        {
            lock (this)
            {
                if (buckets is null)
                {
                    Line(text, name, labels, _value);
                    return;
                }

                var prefix = labels.Length == 0 ? "" : labels + ",";
                for (var i = 0; i < buckets.Length; i++)
                {
                    Line(text, name + "_bucket", $"{prefix}le=\"{Format(buckets[i])}\"", _bucketCounts[i]);
                }

                Line(text, name + "_bucket", $"{prefix}le=\"+Inf\"", _count);
                Line(text, name + "_count", labels, _count);
                Line(text, name + "_sum", labels, _sum);
            }
        }

        private static void Line(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(Format(value)).Append('\n');
        }

        private static string Format(double value) =>
            value == Math.Floor(value) && Math.Abs(value) < 1e15 ? value.ToString("0.0", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
    }
}
