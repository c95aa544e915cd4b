-- Reports the run as one JSON line after @MARKER@; latency percentiles in microseconds.
-- The checked runs' counters live in each thread's state, collected by setup().
done = function(summary, latency, requests)
  local e = summary.errors
  local other, wrong = 0, 0
  for _, thread in ipairs(threads or {}) do
    other = other + (thread:get("other_statuses") or 0)
    wrong = wrong + (thread:get("wrong_bodies") or 0)
  end
  io.write(string.format(
    '@MARKER@{"requests": %.0f, "bytes": %.0f, "duration_us": %.0f, "p50_us": %.0f, '
    .. '"p99_us": %.0f, "errors": %.0f, "status_errors": %.0f, "timeouts": %.0f, '
    .. '"other_statuses": %.0f, "wrong_bodies": %.0f}\n',
    summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write, e.status, e.timeout, other, wrong))
end
