-- One line wrk ends with, for bench/run.py: requests, duration (µs), p50, p95, max (µs),
-- errors (non-2xx/3xx answers, connect, read, write and timeouts).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency.max,
    e.status + e.connect + e.read + e.write + e.timeout))
end
