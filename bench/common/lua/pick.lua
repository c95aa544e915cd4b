-- Sends the requests of the `specs` table (written above by bench/common/wrk.py) in a
-- random order: each thread formats them once, then picks one per request.
threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

local formatted = {}
function init(args)
  math.randomseed(seed * 7919)
  for i, spec in ipairs(specs) do
    formatted[i] = wrk.format("GET", spec.path, spec.headers)
  end
end

function request()
  return formatted[math.random(#formatted)]
end
