-- wrk script for benchmarks/run.py: one page, as one signed-in user; results as one JSON line.
--
-- Environment (set by run.py):
--   BENCH_PATH       the path to GET
--   BENCH_COOKIE     the Cookie header (session and CSRF cookies), or empty
--   BENCH_EXPECT     the status every response must have (200)
--   BENCH_MAX        requests per thread at most (wrk's -d bounds the time)
--   BENCH_AUTOSAVE   for the autosave: "path|version|field;path|version|field", one per thread
--                    (each thread has one connection, so its requests go one after the other and
--                    each is based on the version the previous one returned: no conflicts)
--   BENCH_CSRF       the CSRF token, for the autosave's X-CSRFToken header

local path = os.getenv("BENCH_PATH") or "/"
local cookie = os.getenv("BENCH_COOKIE") or ""
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local max_requests = tonumber(os.getenv("BENCH_MAX") or "0")
local autosave_spec = os.getenv("BENCH_AUTOSAVE") or ""
local csrf = os.getenv("BENCH_CSRF") or ""

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state).
responses = 0
unexpected = 0
conflicts = 0
local target = nil
local version = 0
local typed = 0

function init(args)
  if autosave_spec ~= "" then
    local n = 0
    for spec in string.gmatch(autosave_spec, "[^;]+") do
      n = n + 1
      if n == thread_id then
        local p, v, f = string.match(spec, "([^|]+)|([^|]+)|([^|]+)")
        target = { path = p, field = f }
        version = tonumber(v)
      end
    end
  end
end

local function headers()
  local h = {}
  if cookie ~= "" then h["Cookie"] = cookie end
  return h
end

local get_request = nil

function request()
  if target ~= nil then
    typed = typed + 1
    local body = string.format(
      '{"version": %d, "fields": {"%s": "The worker followed up the referral and recorded it (%d-%d)."}}',
      version, target.field, thread_id, typed
    )
    local h = headers()
    h["Content-Type"] = "application/json"
    h["Accept"] = "application/json"
    h["X-CSRFToken"] = csrf
    return wrk.format("POST", target.path, h, body)
  end
  if get_request == nil then
    get_request = wrk.format("GET", path, headers())
  end
  return get_request
end

function response(status, resp_headers, body)
  responses = responses + 1
  if status ~= expect then
    unexpected = unexpected + 1
    if status == 409 then conflicts = conflicts + 1 end
  end
  if target ~= nil and body ~= nil then
    local v = string.match(body, '"version":%s*(%d+)')
    if v ~= nil then version = tonumber(v) end
  end
  if max_requests > 0 and responses >= max_requests then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad, conflict = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
    conflict = conflict + (thread:get("conflicts") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "unexpected_status": %d, "conflicts": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, bad, conflict,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean
  ))
end
