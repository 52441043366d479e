-- bench/vary.lua — wrk script: every request carries a fresh "&r=N", so no
-- request is answered from epak's page cache (the cost of a real search).
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", wrk.path .. "&r=" .. n)
end
