-- wrk script: POST /revoke (RFC 7009) of access tokens by the client that holds them: an RS256 verification, a
-- revocation-log insert (and with Redis a denylist write) per request. Each thread walks its own slice of
-- BENCH_TOKENS_FILE; past its end it starts again (revoking a revoked token again is answered 200 and changes
-- nothing, but still does the work).
-- Env: BENCH_SERVICE_BASIC (base64 of client_id:client_secret), BENCH_TOKENS_FILE (one access token per line),
-- BENCH_REVOKE_THREADS (wrk threads: the stride of each thread's walk).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local tokens = {}
for line in io.lines(common.env("BENCH_TOKENS_FILE")) do
   if line ~= "" then table.insert(tokens, line) end
end

local headers = {
   ["Content-Type"] = "application/x-www-form-urlencoded",
   ["Authorization"] = "Basic " .. common.env("BENCH_SERVICE_BASIC"),
}

function setup(thread)
   common.setup(thread)
   thread:set("first", thread:get("id"))
end

local stride = tonumber(common.env("BENCH_REVOKE_THREADS"))
local next_index = nil

function request()
   next_index = next_index or first
   local token = tokens[next_index]
   next_index = next_index + stride
   if next_index > #tokens then next_index = first end
   return wrk.format("POST", "/revoke", headers, "token=" .. token)
end

function response(status, headers, body) common.count(status) end
function done(summary, latency, requests) common.done(summary, latency, true) end
