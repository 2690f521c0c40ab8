-- wrk -t N -c N -s timed.lua URL -- OUT TOKEN PATH1 PATH2 ...: get.lua's GETs in turn, and
-- each response's own latency written to OUT.<thread> (one connection per thread, so that a
-- thread's requests and responses pair up). wrk's printed percentiles add synthetic samples
-- for every slow response (its coordinated-omission correction); these lines are the
-- requests as they were.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } pts_timespec;
int clock_gettime(int clk, pts_timespec *tp);
]]
local ts = ffi.new("pts_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

local g, token, out, sent = nil, nil, nil, 0
function init(args)
  out = io.open(args[1] .. "." .. id, "w")
  token = args[2]
  g = common.gets(args, 3)
end

function request()
  sent = now()
  return common.next_get(g, token)
end

function response(status, headers, body)
  out:write(string.format("%.3f %d %d\n", (now() - sent) * 1000, status, g.i))
  out:flush()
end
