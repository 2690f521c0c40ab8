-- wrk -s post.lua URL -- MODE SIZE TOKEN [DELAY_MS]
-- MODE: single (one health event per request, structured mode), mixed (one event of the
-- mixed load), batch (SIZE events of the mixed load, application/cloudevents-batch+json).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local mode, size, token, pause = "single", 1, nil, 0
local threads = 0

-- Each thread has a Lua state of its own, whose generator starts in the same state: seeded
-- from the time alone, every thread made the same ids (and bodies), and with wrk's 2 threads
-- half the events posted were duplicates of the other thread's. The thread's number goes
-- into the seed and the prefix.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  mode, size, token = args[1] or "single", tonumber(args[2] or "1"), args[3]
  pause = tonumber(args[4] or "0")
  local n = thread_number or 0
  math.randomseed(os.time() * 64 + n)
  common.prefix = string.format("%d-%d-%d", os.time(), n, math.random(1, 1e9))
end

function request()
  local headers = {}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  local body
  if mode == "batch" then
    local parts = {}
    for i = 1, size do parts[i] = common.event(common.mixed) end
    body = "[" .. table.concat(parts, ",") .. "]"
    headers["Content-Type"] = "application/cloudevents-batch+json"
  else
    body = common.event(mode == "mixed" and common.mixed or common.health)
    headers["Content-Type"] = "application/cloudevents+json"
  end
  return wrk.format("POST", nil, headers, body)
end

-- DELAY_MS > 0 caps the offered rate: each connection waits that long between requests.
function delay()
  return pause
end
