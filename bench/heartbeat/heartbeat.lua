-- wrk script: contract heartbeats (bearer + full body) cycling over every registered workspace.
-- TARGETS (env) names the file register.py wrote.
local targets = dofile(os.getenv("TARGETS"))
local counter = 0
local thread_offset = 0

function setup(thread)
  thread:set("thread_offset", math.random(0, #targets - 1))
end

function init(args)
  counter = thread_offset or 0
end

function request()
  counter = counter + 1
  local target = targets[(counter % #targets) + 1]
  local body = string.format(
    '{"workspace_id":"%s","error_rate":0,"sample_error":"","active_tasks":0,"current_task":"","uptime_seconds":%d}',
    target[1], counter)
  return wrk.format("POST", "/registry/heartbeat",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. target[2] }, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
