-- POST one ~300-byte event per request; with PAUSE_MS (env) set, each connection pauses that long between requests,
-- holding a steady rate of about connections * 1000 / (PAUSE_MS + latency).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type":"OrderPlaced","key":"order-4711","tags":["customer:42","region:eu"],'
  .. '"data":{"order_id":"4711","customer":{"id":42,"name":"Ada Lovelace"},"lines":['
  .. '{"sku":"A-100","qty":2,"price":12.5},{"sku":"B-200","qty":1,"price":99.0}],'
  .. '"total":124.0,"currency":"EUR"},"metadata":{"source":"bench","trace":"0af7651916cd43dd"}}'
local pause = tonumber(os.getenv("PAUSE_MS") or "")
if pause then
  function delay() return pause end
end
done = report
