-- Shared by the bench-web scenarios: at the end, one JSON line with the request rate,
-- the latency percentiles (microseconds) and the error counts, for bench-web.sh.
local M = {}

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end

return M
