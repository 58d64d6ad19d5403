-- wrk script for Warden's stateless scenarios (bench/run.sh sets the environment).
--   BENCH_SCENARIO  login | register | me | live | admin-search | admin-list (and their -alone forms: one connection), and for the peer (bench/Identity.Peer)
--                   peer-login (POST /login) | peer-me (GET /manage/info) | peer-live
--   BENCH_THREADS   wrk's -t (to spread distinct users over threads)
--   BENCH_USERS, BENCH_FIRST, BENCH_PREFIX, BENCH_PASSWORD   the seeded users {prefix}-{i:D7}@bench.test
--   BENCH_TOKEN     bearer token for me and admin-*
--   BENCH_NONCE     makes registered emails unique per run
--   BENCH_CONNECTIONS  wrk's -c (reported with the figure)
-- done() prints one JSON line (the figure run.sh records); any status >= 300 counts as an error.

local scenario = os.getenv("BENCH_SCENARIO") or "live"
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local first = tonumber(os.getenv("BENCH_FIRST") or "0")
local prefix = os.getenv("BENCH_PREFIX") or "bench"
local password = os.getenv("BENCH_PASSWORD") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "0")

local threads = {}
local counter = 0
statuses = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
end

local json = { ["Content-Type"] = "application/json" }
local bearer = { ["Authorization"] = "Bearer " .. token }

function request()
  counter = counter + 1
  if scenario == "login" or scenario == "login-kc" then
    -- Consecutive requests of all threads walk the user range, so each login is a different user until it wraps.
    local i = first + ((counter * nthreads + id) % users)
    return wrk.format("POST", "/api/v1/auth/login", json,
      string.format('{"email":"%s-%07d@bench.test","password":"%s"}', prefix, i, password))
  elseif scenario == "peer-login" then
    local i = first + ((counter * nthreads + id) % users)
    return wrk.format("POST", "/login", json,
      string.format('{"email":"%s-%07d@bench.test","password":"%s"}', prefix, i, password))
  elseif scenario == "peer-me" then
    return wrk.format("GET", "/manage/info", bearer)
  elseif scenario == "register" then
    return wrk.format("POST", "/api/v1/auth/register", json,
      string.format('{"email":"reg-%s-%d-%d@bench.test","password":"%s","fullName":"Bench Registrant"}', nonce, id, counter, password))
  elseif scenario == "me" then
    return wrk.format("GET", "/api/v1/users/me", bearer)
  elseif scenario == "admin-search" or scenario == "admin-search-alone" then
    local i = first + math.random(0, users - 1)
    return wrk.format("GET", string.format("/api/v1/admin/users?search=%s-%07d&size=20", prefix, i), bearer)
  elseif scenario == "admin-list" or scenario == "admin-list-alone" then
    -- Pages 1-10 by cursor: each answer's nextCursor feeds the thread's next request, back to page 1 after ten.
    local path = "/api/v1/admin/users?size=20"
    if cursor then path = path .. "&cursor=" .. cursor end
    return wrk.format("GET", path, bearer)
  else
    return wrk.format("GET", "/health/live")
  end
end

cursor = nil
local pages = 0

function response(status, headers, body)
  if (scenario == "admin-list" or scenario == "admin-list-alone") and status == 200 then
    pages = pages + 1
    cursor = pages < 10 and body:match('"nextCursor":"([^"]+)"') or nil
    if not cursor then pages = 0 end
  end
  if status >= 300 then
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  local parts = {}
  if e.connect + e.read + e.write > 0 then table.insert(parts, string.format("socket errors %d", e.connect + e.read + e.write)) end
  if e.timeout > 0 then table.insert(parts, string.format("timeouts %d", e.timeout)) end
  local byStatus = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      byStatus[code] = (byStatus[code] or 0) + n
      errors = errors + n
    end
  end
  for code, n in pairs(byStatus) do table.insert(parts, string.format("HTTP %d x%d", code, n)) end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"figure":"%s","concurrency":%d,"seconds":%.2f,"requests":%d,"rps":%.1f,"p50Ms":%.2f,"p99Ms":%.2f,"errors":%d,"note":"%s"}\n',
    scenario, connections, seconds, summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors,
    #parts > 0 and ("wrk: " .. table.concat(parts, ", ")) or "wrk"))
end
