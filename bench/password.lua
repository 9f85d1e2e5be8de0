-- wrk script: POST /token grant_type=password with HTTP Basic client authentication (RFC 6749 §4.3, §2.3.1).
-- Env: BENCH_BASIC (base64 of client_id:client_secret), BENCH_PASSWORD_BODY (the form body).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. common.env("BENCH_BASIC")
wrk.body = common.env("BENCH_PASSWORD_BODY")

setup = common.setup
function response(status, headers, body) common.count(status) end
function done(summary, latency, requests) common.done(summary, latency, true) end
