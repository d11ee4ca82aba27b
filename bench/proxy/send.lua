-- wrk script: A2A 0.3 message/send, the body the real platform's proxy forwards, sent direct or through the proxy.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- TEXT (env) is the message: "hello" (an agent that answers at once) or e.g. "work 5ms" (one that works 5 ms).
local text = os.getenv("TEXT") or "hello"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"bench-1","role":"user","parts":[{"kind":"text","text":"' .. text .. '"}]}}}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
