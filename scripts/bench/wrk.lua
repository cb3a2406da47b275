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
local threads_made = 0
function setup(thread)
  thread:set("offset", threads_made * 7919)
  threads_made = threads_made + 1
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
