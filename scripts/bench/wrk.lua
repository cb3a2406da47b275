-- wrk script of scripts/bench/run.sh: adds the caller's credentials and, for a case read, rotates
-- through many case ids instead of hammering one hot case.
--   BENCH_AUTH    value of the Authorization header (an API token: "Bearer …"), optional
--   BENCH_COOKIE  value of the Cookie header (a web session: "rujukan_session=…"), optional
--   BENCH_IDS     file with one case id per line; when set, each request asks the URL's path
--                 followed by the next id (the URL then ends with "/cases/"), each thread
--                 starting at its own place in the list
local auth = os.getenv("BENCH_AUTH")
local cookie = os.getenv("BENCH_COOKIE")
local ids_file = os.getenv("BENCH_IDS")

if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local ids = {}
if ids_file and ids_file ~= "" then
  for line in io.lines(ids_file) do
    if line ~= "" then
      ids[#ids + 1] = line
    end
  end
end

-- Each thread gets a different starting offset (setup runs in the main Lua state, once per thread).
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  threads[#threads + 1] = thread
end

local position = 0
function init(_)
  position = offset or 0
end

function request()
  if #ids == 0 then
    return wrk.format(nil, wrk.path)
  end
  position = position + 1
  return wrk.format(nil, wrk.path .. ids[(position % #ids) + 1])
end

-- Which statuses the non-2xx answers had (wrk only counts them): counted per thread, printed at the
-- end as one line "statuses other than 2xx: 503=12 401=1" (or "none").
other_statuses = {}
function response(status, _, _)
  if status >= 300 then
    other_statuses[status] = (other_statuses[status] or 0) + 1
  end
end

function done(_, _, _)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("other_statuses") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    parts[#parts + 1] = status .. "=" .. n
  end
  table.sort(parts)
  print("statuses other than 2xx: " .. (#parts > 0 and table.concat(parts, " ") or "none"))
end
