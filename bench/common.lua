-- Shared by the wrk scripts of bench/run.sh: per-thread status counters and a JSON summary line.
-- Each wrk thread has its own Lua state; setup() (main state) keeps the thread handles so done() can sum them.

local M = {}
local threads = {}

function M.setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

-- In a thread: count one response by status; `ok_status` (default 200) is the success of the script's requests.
function M.count(status, ok_status)
   if status == (ok_status or 200) then
      ok = (ok or 0) + 1
   else
      bad = (bad or 0) + 1
      local key = tostring(status)
      statuses = statuses or {}
      statuses[key] = (statuses[key] or 0) + 1
      if not first_error then first_error = key end
   end
end

-- In a thread: a response that is the first half of a two-request operation (sso.lua), neither success nor error.
function M.intermediate()
   mid = (mid or 0) + 1
end

-- A monotonic clock in microseconds (LuaJIT's FFI, as Debian's wrk has it), or nil without the FFI: wrk's
-- histogram times single requests only, so a script whose operation spans requests times it itself.
M.now_us = nil
do
   local has_ffi, ffi = pcall(require, "ffi")
   if has_ffi then
      ffi.cdef("typedef struct { long tv_sec; long tv_nsec; } bench_timespec;" ..
         "int clock_gettime(int clock_id, bench_timespec *tp);")
      local ts = ffi.new("bench_timespec")
      local CLOCK_MONOTONIC = 1 -- Linux
      M.now_us = function()
         ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
         return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
      end
   end
end

-- In a thread: one duration (µs) of the series `name` (e.g. a whole two-request operation). Each series is a
-- flat global table of its own: wrk copies a table between Lua states one level deep only.
function M.observe(name, us)
   local key = "observed_" .. name
   if not _G[key] then
      _G[key] = {}
      observed_names = observed_names or {}
      observed_names[name] = true
   end
   table.insert(_G[key], us)
end

-- Nearest-rank percentiles of every observed series, all threads merged: '"name":{"count":…,"p50":…}' parts.
local function observed_json()
   local series = {}
   for _, t in ipairs(threads) do
      for name in pairs(t:get("observed_names") or {}) do
         series[name] = series[name] or {}
         for _, v in ipairs(t:get("observed_" .. name) or {}) do table.insert(series[name], v) end
      end
   end
   local parts = {}
   for name, values in pairs(series) do
      table.sort(values)
      local n, sum = #values, 0
      for _, v in ipairs(values) do sum = sum + v end
      local function pct(p) return values[math.max(1, math.ceil(n * p / 100))] end
      table.insert(parts, string.format('"%s":{"count":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}',
         name, n, pct(50), pct(90), pct(99), values[n], sum / n))
   end
   return table.concat(parts, ",")
end

-- In the main state: print one line "BENCH_JSON {...}" for bench/report.py. `operation`: the observed series that
-- times the script's unit of work (its latency replaces wrk's per-request figures in the report), if any.
function M.done(summary, latency, counted, operation)
   local ok_total, mid_total, statuses = 0, 0, {}
   for _, t in ipairs(threads) do
      ok_total = ok_total + (t:get("ok") or 0)
      mid_total = mid_total + (t:get("mid") or 0)
      local s = t:get("statuses")
      if s then
         for k, v in pairs(s) do statuses[k] = (statuses[k] or 0) + v end
      end
   end
   if not counted then
      -- No response() callback (cheaper for wrk): every response that is not an HTTP error counts as a 200.
      ok_total = summary.requests - summary.errors.status
   end
   local parts = {}
   for k, v in pairs(statuses) do table.insert(parts, string.format('"%s":%d', k, v)) end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"ok":%d,"intermediate":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"statuses":{%s},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"counted_by_lua":%s,"threads":%d,' ..
      '"observed_us":{%s},"operation":%s}\n',
      summary.requests, ok_total, mid_total, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      tostring(counted and true or false), #threads, observed_json(),
      operation and string.format('"%s"', operation) or "null"))
end

function M.env(name)
   local value = os.getenv(name)
   if value == nil or value == "" then error(name .. " is not set") end
   return value
end

return M
