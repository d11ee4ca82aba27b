-- wrk script: the bench's blocking A2A 1.0 SendMessage, signalling after TASKS (env) answers (one thread: -t1).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["A2A-Version"] = "1.0"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"bench-1","role":"ROLE_USER","parts":[{"text":"hello"}]}}}'
local limit = tonumber(os.getenv("TASKS") or "1000000")
local marker = os.getenv("DONE_FILE")
local answered = 0

-- At the limit a marker file appears; memory.sh then stops wrk with SIGINT, which still prints the summary.
response = function(status, headers, body)
  answered = answered + 1
  if answered == limit and marker then io.open(marker, "w"):close() end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
