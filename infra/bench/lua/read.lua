-- GET pages of LIMIT (env, default 1000) events from random offsets below HEAD (env).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"
local head = tonumber(os.getenv("HEAD") or "1000")
local limit = tonumber(os.getenv("LIMIT") or "1000")
local topic = os.getenv("TOPIC") or "bench"
function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init() math.randomseed(seed) end
function request()
  local from = math.random(0, math.max(head - limit, 0))
  return wrk.format("GET", "/topics/" .. topic .. "/events?from=" .. from .. "&limit=" .. limit)
end
done = report
