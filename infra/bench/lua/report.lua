-- Shared by every wrk script here: prints one machine-readable line after the run.
-- RESULT requests=<n> seconds=<s> rps=<r> p50_ms=<ms> p99_ms=<ms> errors=<n> non2xx=<n>
function report(summary, latency)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
