-- wrk script for bench:ingest: one heartbeat per POST, round-robin over 10,000 slave names.
local i = 0
local thread_offset = 0
local counter = 0

setup = function(thread)
  thread:set("thread_offset", counter * 5000)
  counter = counter + 1
end

request = function()
  i = i + 1
  local body = string.format('{"slave":"bench-%05d","master":"bm01","pool":"bench"}', (thread_offset + i) % 10000)
  return wrk.format("POST", "/api/v1/heartbeats", { ["Content-Type"] = "application/json" }, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"ok":%d,"non2xx":%d,"errors":%d,"seconds":%.3f,"latencyP50":%.2f,"latencyP99":%.2f}\n',
    summary.requests, summary.requests - e.status, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
