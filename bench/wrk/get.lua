-- wrk -s get.lua URL -- TOKEN PATH1 PATH2 ...: GET the paths in turn, with the token.
local paths, token, i = {}, nil, 0

function init(args)
  token = args[1]
  for k = 2, #args do paths[#paths + 1] = args[k] end
  i = math.random(0, #paths - 1)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Authorization"] = "Bearer " .. token})
end
