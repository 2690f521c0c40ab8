-- wrk -s get.lua URL -- TOKEN PATH1 PATH2 ...: GET the paths in turn, with the token.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local g, token

function init(args)
  token = args[1]
  g = common.gets(args, 2)
end

function request()
  return common.next_get(g, token)
end
