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

-- In the main state: print one line "BENCH_JSON {...}" for bench/report.py.
function M.done(summary, latency, counted)
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
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"counted_by_lua":%s,"threads":%d}\n',
      summary.requests, ok_total, mid_total, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      tostring(counted and true or false), #threads))
end

function M.env(name)
   local value = os.getenv(name)
   if value == nil or value == "" then error(name .. " is not set") end
   return value
end

return M
