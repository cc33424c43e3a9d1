namespace Cluster.Shared.Remoting;

/// <summary>
/// Phi accrual failure detector (Hayashibara et al.; the variant Akka and Cassandra use): keeps the
/// recent heartbeat intervals and reports phi = -log10(P(a heartbeat arrives later than now)) under
/// a normal model of those intervals. Phi grows continuously while heartbeats are missing, so one
/// threshold works across networks of different jitter. Not thread-safe: callers serialise access.
/// </summary>
public sealed class PhiAccrualFailureDetector
{
    private readonly TimeProvider _clock;
    private readonly Queue<double> _intervals = new();
    private readonly double _acceptablePauseMs;
    private readonly double _minStdDevMs;
    private readonly int _maxSamples;
    private double _sum;
    private double _sumOfSquares;
    private long? _lastTimestamp;

    public PhiAccrualFailureDetector(TimeProvider clock, double threshold, TimeSpan firstHeartbeatEstimate,
        TimeSpan acceptableHeartbeatPause, TimeSpan minimumStandardDeviation, int maximumSamples = 200)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (threshold <= 0 || firstHeartbeatEstimate <= TimeSpan.Zero || acceptableHeartbeatPause < TimeSpan.Zero
            || minimumStandardDeviation <= TimeSpan.Zero || maximumSamples < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold),
                "phi threshold, first heartbeat estimate and minimum deviation must be positive, pause >= 0, samples >= 2");
        }
        _clock = clock;
        Threshold = threshold;
        _acceptablePauseMs = acceptableHeartbeatPause.TotalMilliseconds;
        _minStdDevMs = minimumStandardDeviation.TotalMilliseconds;
        _maxSamples = maximumSamples;
        // Seed with two intervals around the estimate so phi is meaningful from the first heartbeat on.
        var estimate = firstHeartbeatEstimate.TotalMilliseconds;
        Record(estimate - (estimate / 4));
        Record(estimate + (estimate / 4));
    }

    public double Threshold { get; }

    public int SampleCount => _intervals.Count;

    public void HeartBeat()
    {
        var now = _clock.GetTimestamp();
        if (_lastTimestamp is { } last && IsAvailable)
        {
            // An interval after an outage would teach the detector that outages are normal.
            Record(_clock.GetElapsedTime(last, now).TotalMilliseconds);
        }
        _lastTimestamp = now;
    }

    /// <summary>0 before the first heartbeat; otherwise grows with the time since the last one.</summary>
    public double Phi
    {
        get
        {
            if (_lastTimestamp is not { } last)
            {
                return 0;
            }
            var elapsedMs = _clock.GetElapsedTime(last).TotalMilliseconds;
            var mean = (_sum / _intervals.Count) + _acceptablePauseMs;
            var variance = (_sumOfSquares / _intervals.Count) - ((_sum / _intervals.Count) * (_sum / _intervals.Count));
            var stdDev = Math.Max(Math.Sqrt(Math.Max(variance, 0)), _minStdDevMs);
            var y = (elapsedMs - mean) / stdDev;
            // Logistic approximation of the normal CDF's tail, as in Akka; accurate to ~1e-4.
            var e = Math.Exp(-y * (1.5976 + (0.070566 * y * y)));
            return elapsedMs > mean ? -Math.Log10(e / (1.0 + e)) : -Math.Log10(1.0 - (1.0 / (1.0 + e)));
        }
    }

    public bool IsAvailable => Phi < Threshold;

    private void Record(double intervalMs)
    {
        if (_intervals.Count >= _maxSamples)
        {
            var dropped = _intervals.Dequeue();
            _sum -= dropped;
            _sumOfSquares -= dropped * dropped;
        }
        _intervals.Enqueue(intervalMs);
        _sum += intervalMs;
        _sumOfSquares += intervalMs * intervalMs;
    }
}
