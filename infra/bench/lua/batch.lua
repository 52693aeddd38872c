-- POST batches of BATCH (env, default 1000) ~300-byte events: used to fill a topic quickly.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"
local size = tonumber(os.getenv("BATCH") or "1000")
local event = '{"type":"OrderPlaced","key":"order-4711","tags":["customer:42","region:eu"],'
  .. '"data":{"order_id":"4711","customer":{"id":42,"name":"Ada Lovelace"},"lines":['
  .. '{"sku":"A-100","qty":2,"price":12.5},{"sku":"B-200","qty":1,"price":99.0}],'
  .. '"total":124.0,"currency":"EUR"},"metadata":{"source":"bench","trace":"0af7651916cd43dd"}}'
local events = {}
for i = 1, size do events[i] = event end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"events":[' .. table.concat(events, ",") .. ']}'
done = report
