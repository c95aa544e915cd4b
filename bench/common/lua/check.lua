-- Checks every answer against the `bodies` table (written above by bench/common/wrk.py):
-- body length -> the bytes expected at a few offsets of a body of that length.
-- wrk counts statuses from 400 up as errors; a redirect or any 2xx other than 200 and
-- 206 carries no media, so it is counted here. Defining response() makes wrk hand every
-- body to Lua, which costs it about half its throughput on 1 MiB bodies: only the
-- checked runs include this file.
other_statuses = 0
wrong_bodies = 0

local function matches(body, probes)
  for _, probe in ipairs(probes) do
    if string.sub(body, probe.at + 1, probe.at + #probe.bytes) == probe.bytes then
      return true
    end
  end
  return false
end

function response(status, headers, body)
  if status >= 400 then
    return
  end
  if status ~= 200 and status ~= 206 then
    other_statuses = other_statuses + 1
    return
  end
  local probes = bodies[#body]
  if probes == nil or not matches(body, probes) then
    wrong_bodies = wrong_bodies + 1
  end
end
