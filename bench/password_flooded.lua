-- wrk script: the password grant of bench/password.lua, measured while bench/guess.lua floods the server with wrong
-- passwords for another account from many addresses (the password-flooded phase of bench/run.sh).
-- Env: BENCH_BASIC, BENCH_PASSWORD_BODY (as password.lua).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. common.env("BENCH_BASIC")
-- The legitimate user signs in from an address of its own (the server trusts 127.0.0.1 as its proxy).
wrk.headers["X-Forwarded-For"] = "192.0.2.10"
wrk.body = common.env("BENCH_PASSWORD_BODY")

setup = common.setup
function response(status, headers, body) common.count(status) end
function done(summary, latency, requests) common.done(summary, latency, true) end
