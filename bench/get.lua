-- wrk script: GET the same page with the session cookie from the environment, report JSON at the end.
function request()
  return wrk.format("GET", os.getenv("BENCH_PATH"), {["Cookie"] = os.getenv("BENCH_COOKIE") or ""})
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.stderr:write(string.format('{"requests": %d, "duration_us": %d, "p99_us": %d, "p50_us": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(99), latency:percentile(50), errors))
end
