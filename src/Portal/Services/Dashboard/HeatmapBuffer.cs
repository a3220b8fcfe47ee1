namespace Portal.Services.Dashboard;

/// <summary>
/// The last <paramref name="capacity"/> columns of a rows × time heatmap, as floats (NaN = no value), so a heatmap
/// can be redrawn whole on every refresh without the server keeping more than a few kilobytes per chart.
/// </summary>
internal sealed class HeatmapBuffer(int capacity)
{
    private readonly List<long> _times = [];
    private readonly Dictionary<string, List<float>> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _labels = new(StringComparer.Ordinal);

    public int Columns => _times.Count;

    public IReadOnlyCollection<string> Keys => _rows.Keys;

    /// <summary>Adds columns at <paramref name="times"/>; rows absent from <paramref name="rows"/> get gaps, new rows get gaps before.</summary>
    public void Append(long[] times, IEnumerable<(string Key, string Label, double?[] Values)> rows)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, label, values) in rows)
        {
            seen.Add(key);
            _labels[key] = label;
            if (!_rows.TryGetValue(key, out var row))
            {
                row = [.. Enumerable.Repeat(float.NaN, _times.Count)];
                _rows[key] = row;
            }

            row.AddRange(values.Select(v => v is { } x ? (float)x : float.NaN));
        }

        foreach (var (key, row) in _rows)
        {
            if (!seen.Contains(key))
            {
                row.AddRange(Enumerable.Repeat(float.NaN, times.Length));
            }
        }

        _times.AddRange(times);
        var excess = _times.Count - capacity;
        if (excess > 0)
        {
            _times.RemoveRange(0, excess);
            foreach (var row in _rows.Values)
            {
                row.RemoveRange(0, excess);
            }
        }

        // Rows that have been empty for the whole window are gone.
        foreach (var key in _rows.Where(r => r.Value.All(float.IsNaN)).Select(r => r.Key).ToList())
        {
            _rows.Remove(key);
            _labels.Remove(key);
        }
    }

    /// <summary>Makes sure <paramref name="key"/> has a row (empty if it has no data), so a known deployment is always listed.</summary>
    public void EnsureRow(string key, string label)
    {
        _labels[key] = label;
        if (!_rows.ContainsKey(key))
        {
            _rows[key] = [.. Enumerable.Repeat(float.NaN, _times.Count)];
        }
    }

    public HeatmapReset Snapshot(IComparer<string> order, HeatmapScale scale)
    {
        var keys = _rows.Keys.Order(order).ToList();
        return new HeatmapReset(
            [.. _times],
            keys.Select(k => _labels[k]).ToList(),
            keys.Select(k => _rows[k].Select(v => float.IsNaN(v) ? (double?)null : v).ToArray()).ToList(),
            scale);
    }
}
