-- Shared by the PTS benchmark scripts: a unique id per request, thread by thread, and the
-- mixed load of issue 11 (40% health, 30% deployments, 10% images, 20% platform events).
local M = {}
local services, envs = 200, {"prod", "staging", "dev", "qa"}
local counter, started = 0, {}
M.prefix = tostring(math.random(1, 1e9))

function M.next_id()
  counter = counter + 1
  return M.prefix .. "-" .. counter
end

local function pair()
  return "s" .. math.random(0, services - 1), envs[math.random(1, #envs)]
end

function M.health()
  local s, e = pair()
  local status = ({"healthy", "degraded", "unhealthy", "healthy"})[math.random(1, 4)]
  return "dev.pts.service.health_changed", string.format(
    '{"service":"%s","environment":"%s","status":"%s"}', s, e, status)
end

function M.deployment()
  -- Half the time finish a started one; otherwise start a new one.
  if #started > 0 and math.random() < 0.5 then
    local d = table.remove(started, 1)
    local kind = ({"succeeded", "succeeded", "failed", "rolled_back"})[math.random(1, 4)]
    return "dev.pts.deployment." .. kind, string.format(
      '{"deployment_id":"%s","service":"%s","environment":"%s"}', d[1], d[2], d[3])
  end
  local s, e = pair()
  local d = "d-" .. M.next_id()
  if #started < 1000 then table.insert(started, {d, s, e}) end
  return "dev.pts.deployment.started", string.format(
    '{"deployment_id":"%s","service":"%s","environment":"%s","version":"1.%d"}',
    d, s, e, math.random(0, 20))
end

function M.image()
  local hex = string.format("%064x", math.random(1, 1e9))
  return "dev.pts.image.published", string.format(
    '{"repository":"reg/app","digest":"sha256:%s","tag":"v%d"}', hex, math.random(1, 50))
end

function M.platform()
  return "dev.pts.platform.node_drained", string.format(
    '{"node":"n%d","note":"bench"}', math.random(1, 50))
end

function M.mixed()
  local r = math.random()
  if r < 0.4 then return M.health() elseif r < 0.7 then return M.deployment()
  elseif r < 0.8 then return M.image() else return M.platform() end
end

function M.event(kind_fn)
  local t, data = kind_fn()
  return string.format('{"specversion":"1.0","id":"%s","source":"/bench","type":"%s",' ..
    '"datacontenttype":"application/json","data":%s}', M.next_id(), t, data)
end

-- GET scripts: the paths of args (from index first on) in turn, each with the token.
function M.gets(args, first)
  local g = {paths = {}, i = 0}
  for k = first, #args do g.paths[#g.paths + 1] = args[k] end
  g.i = math.random(0, #g.paths - 1)
  return g
end

function M.next_get(g, token)
  g.i = g.i % #g.paths + 1
  return wrk.format("GET", g.paths[g.i], {["Authorization"] = "Bearer " .. token})
end

return M
