-- wrk script: POST /login, the hosted sign-in form (argon2id verification, a new session and an authorization
-- code per request), answered with 303 to the client. The form is the one the page served (its CSRF token is
-- bound to the anonymous browser cookie sent with it), so every request is a complete, valid sign-in.
-- Env: BENCH_SIGNIN_BODY (the form), BENCH_ANON_COOKIE ("latchkey=…"), BENCH_ORIGIN.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.path = "/login"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = common.env("BENCH_ANON_COOKIE")
wrk.headers["Origin"] = common.env("BENCH_ORIGIN")
wrk.body = common.env("BENCH_SIGNIN_BODY")

setup = common.setup
function response(status, headers, body) common.count(status, 303) end
function done(summary, latency, requests) common.done(summary, latency, true) end
