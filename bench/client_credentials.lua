-- wrk script: POST /token grant_type=client_credentials with HTTP Basic client authentication (RFC 6749 §4.4):
-- one RS256 signature per request, nothing stored.
-- Env: BENCH_SERVICE_BASIC (base64 of client_id:client_secret).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. common.env("BENCH_SERVICE_BASIC")
wrk.body = "grant_type=client_credentials"

setup = common.setup
function response(status, headers, body) common.count(status) end
function done(summary, latency, requests) common.done(summary, latency, true) end
