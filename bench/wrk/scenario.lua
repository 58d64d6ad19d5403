-- wrk script for Warden's stateless scenarios (bench/run.sh sets the environment).
--   BENCH_SCENARIO  login | register | me | live | admin-search | admin-list (and their -alone forms: one connection), and for the peer (bench/Identity.Peer)
--                   peer-login (POST /login) | peer-me (GET /manage/info) | peer-live
--   BENCH_THREADS   wrk's -t (to spread distinct users over threads)
--   BENCH_USERS, BENCH_FIRST, BENCH_PREFIX, BENCH_PASSWORD   the seeded users {prefix}-{i:D7}@bench.test
--   BENCH_SEARCH    admin-search's terms: bench (the default: {prefix}-{i:D7}, users seeded in the bench style) or, for users
--                   seeded with --addresses varied, varied (each request the next of the four below) or one of
--                   address (the whole address), name (the full name), prefix (the address's first 7 characters),
--                   domain ("@" and one of the organisations' domains: 1.5% of the users each)
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
local counter = 0
local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "0")
local search = os.getenv("BENCH_SEARCH") or "bench"

-- The varied seeded users (Warden.Bench/Addresses.cs, `seed --addresses varied`): the same arithmetic, so a search
-- names a user who is there. Keep the lists and the arithmetic in step with Addresses.cs.
local first_names = {
  "maria", "james", "anna", "john", "sofia", "david", "laura", "michael", "elena", "robert", "julia", "daniel",
  "sarah", "thomas", "emma", "peter", "olivia", "paul", "chloe", "mark", "lucia", "andrew", "hannah", "kevin",
  "emily", "jose", "alice", "carlos", "nina", "luis", "grace", "ahmed", "fatima", "omar", "leila", "yuki", "hiroshi",
  "mei", "wei", "priya", "rahul", "anjali", "arjun", "ines", "pedro", "joao", "ana", "marco", "giulia", "luca",
  "chiara", "pierre", "camille", "louis", "claire", "hans", "greta", "lars", "ingrid", "sven", "olga", "ivan",
  "natasha", "dmitri", "katarzyna", "piotr", "jan", "eva", "tomas", "petra", "kofi", "amara", "chinedu", "zara",
  "noah", "liam", "mia", "ella", "jack", "ruby", "oscar", "isla", "leo", "freya", "adam", "nora", "samuel", "rosa",
  "victor", "irene", "diego", "valentina", "mateo", "camila", "hugo", "lea", "felix", "clara", "max", "lena",
  "sanjay", "deepa", "minh", "linh", "jae", "soo", "tariq", "yasmin", "ben", "kate", "george", "helen", "frank",
  "susan", "henry", "alba", "ruth", "simon", "tessa", "otto"
}
local last_names = {
  "garcia", "smith", "mueller", "rossi", "martin", "kowalski", "nguyen", "kim", "patel", "silva", "johnson",
  "williams", "brown", "jones", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez",
  "wilson", "anderson", "taylor", "moore", "jackson", "white", "harris", "clark", "lewis", "walker", "young",
  "allen", "wright", "scott", "green", "baker", "adams", "nelson", "hill", "schmidt", "schneider", "fischer",
  "weber", "meyer", "wagner", "becker", "hoffmann", "schulz", "koch", "bianchi", "romano", "colombo", "ricci",
  "marino", "greco", "bruno", "gallo", "conti", "esposito", "dubois", "durand", "lefebvre", "moreau", "laurent",
  "fontaine", "michel", "bernard", "petit", "roux", "nowak", "wojcik", "kaminski", "lewandowski", "zielinski",
  "novak", "svoboda", "dvorak", "horvat", "kovac", "tanaka", "suzuki", "takahashi", "watanabe", "yamamoto", "wang",
  "li", "zhang", "liu", "chen", "sharma", "singh", "kumar", "gupta", "reddy", "tran", "pham", "park", "lee", "choi",
  "okafor", "mensah", "diallo", "haddad", "khan", "ali", "hassan", "cohen", "levi", "friedman", "jansen", "devries",
  "bakker", "visser", "andersen", "nielsen", "hansen", "larsen", "berg", "lindqvist"
}
local public_domains = { { "gmail.com", 34 }, { "yahoo.com", 8 }, { "outlook.com", 7 }, { "hotmail.com", 6 }, { "icloud.com", 4 }, { "gmx.de", 2 }, { "proton.me", 2 }, { "web.de", 1 } }
local organisation_domains = {
  "contoso.com", "fabrikam.com", "northwindtraders.com", "adventure-works.com", "tailspintoys.com",
  "wideworldimporters.com", "litwareinc.com", "proseware.com", "fourthcoffee.com", "wingtiptoys.com",
  "lucernepublishing.com", "margiestravel.com", "blueyonderairlines.com", "alpineskihouse.com", "cpandl.com",
  "coho-winery.com", "treyresearch.net", "humongousinsurance.com", "woodgrovebank.com", "fineartschool.net",
  "consolidatedmessenger.com", "southridgevideo.com", "relecloud.com", "graphicdesigninstitute.com"
}

local function capitalize(word) return word:sub(1, 1):upper() .. word:sub(2) end

-- Returns the local part, the domain and the full name of varied user i.
local function varied_user(i)
  local nf, nl = #first_names, #last_names
  local first = first_names[i % nf + 1]
  local last = last_names[math.floor(i / nf) % nl + 1]
  local rep = math.floor(i / (nf * nl))
  local hash = (i * 2654435761 + 12345) % 4294967296
  local suffix = rep == 0 and "" or (rep < 70 and tostring(1950 + rep) or ("." .. rep))
  local join = math.floor(hash / 100) % 6
  local loc
  if join <= 1 then loc = first .. "." .. last .. suffix
  elseif join == 2 then loc = first .. "_" .. last .. suffix
  elseif join == 3 then loc = first .. last .. suffix
  elseif join == 4 then loc = last .. "." .. first .. suffix
  else loc = first .. "-" .. last .. suffix end
  local percent, domain = hash % 100, nil
  for _, d in ipairs(public_domains) do
    if percent < d[2] then domain = d[1] break end
    percent = percent - d[2]
  end
  domain = domain or organisation_domains[math.floor(hash / 600) % #organisation_domains + 1]
  return loc, domain, capitalize(first) .. " " .. capitalize(last)
end

local search_kinds = { "address", "name", "prefix", "domain" }

local function search_term(i)
  if search == "bench" then return string.format("%s-%07d", prefix, i) end
  local kind = search == "varied" and search_kinds[counter % #search_kinds + 1] or search
  local loc, domain, name = varied_user(i)
  if kind == "address" then return loc .. "@" .. domain
  elseif kind == "name" then return name
  elseif kind == "prefix" then return (loc .. "@" .. domain):sub(1, 7)
  elseif kind == "domain" then return "@" .. organisation_domains[i % #organisation_domains + 1]
  end
  error("BENCH_SEARCH is bench, varied, address, name, prefix or domain, not " .. search)
end

local function urlencode(text)
  return (text:gsub("[^%w%.%-_~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}
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
    return wrk.format("GET", "/api/v1/admin/users?size=20&search=" .. urlencode(search_term(i)), bearer)
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
