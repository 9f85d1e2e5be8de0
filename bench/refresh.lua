-- wrk script: chains of single-use refresh tokens (RFC 6749 §6 with rotation), one chain per wrk thread.
-- Run with one connection per thread (-t C -c C): a thread sends its next request only after it has read the
-- previous response, so each request presents the refresh token returned by the one before.
-- Env: BENCH_BASIC (base64 of client_id:client_secret), BENCH_TOKENS_FILE (one seed refresh token per line, at
-- least one per thread). A non-200 breaks the chain (the token presented next was already used, so the server
-- would revoke the family): the thread counts the error and stops.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local seeds = {}
for line in io.lines(common.env("BENCH_TOKENS_FILE")) do
   if line ~= "" then table.insert(seeds, line) end
end

local headers = {
   ["Content-Type"] = "application/x-www-form-urlencoded",
   ["Authorization"] = "Basic " .. common.env("BENCH_BASIC"),
}

function setup(thread)
   common.setup(thread)
   local n = thread:get("id")
   if not seeds[n] then error("BENCH_TOKENS_FILE has fewer tokens than wrk threads") end
   thread:set("token", seeds[n])
end

local broken = false

function request()
   return wrk.format("POST", "/token", headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, _, body)
   local next_token = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
   if next_token then
      common.count(200)
      token = next_token
      return
   end
   common.count(status == 200 and "200-without-refresh_token" or status)
   if not broken then
      broken = true
      io.stderr:write(string.format("refresh chain %d broken: HTTP %d %s\n", id, status, body or ""))
      wrk.thread:stop()
   end
end

function done(summary, latency, requests) common.done(summary, latency, true) end
