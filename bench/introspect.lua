-- wrk script: POST /introspect (RFC 7662) by a resource server client with HTTP Basic, for one live access token:
-- an RS256 verification and a denylist lookup per request (the database without Redis, Redis with it).
-- Env: BENCH_RS_BASIC (base64 of client_id:client_secret), BENCH_ACCESS_TOKEN.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.path = "/introspect"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. common.env("BENCH_RS_BASIC")
wrk.body = "token=" .. common.env("BENCH_ACCESS_TOKEN")

setup = common.setup
function response(status, headers, body)
   -- Only an active answer is a success: an inactive one would mean the phase measured the wrong thing.
   if status == 200 and not body:find('"active":true', 1, true) then
      common.count("200-inactive")
   else
      common.count(status)
   end
end
function done(summary, latency, requests) common.done(summary, latency, true) end
