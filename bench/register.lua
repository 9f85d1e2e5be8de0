-- wrk script: POST /register, the hosted registration form with open registration (issue 18): one argon2id hash
-- of the new password and one queued request per registration, answered 200 "check your email"; the account, its
-- verification link and its mail are made off the request path. Every request is a new address, from a new source
-- address (X-Forwarded-For, with the server trusting 127.0.0.1 as its proxy) so that the per-address limit, made
-- for one person, doesn't cap the measurement. The form's CSRF token is bound to the anonymous cookie sent with it.
-- Env: BENCH_REGISTER_BODY (the form's hidden fields), BENCH_ANON_COOKIE ("latchkey=…"), BENCH_ORIGIN.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local headers = {
   ["Content-Type"] = "application/x-www-form-urlencoded",
   ["Cookie"] = common.env("BENCH_ANON_COOKIE"),
   ["Origin"] = common.env("BENCH_ORIGIN"),
}
local body = common.env("BENCH_REGISTER_BODY")

setup = common.setup
local n = 0

function request()
   n = n + 1
   headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
      math.random(1, 254))
   local email = string.format("bench-%d-%d-%d%%40example.test", id or 0, n, math.random(0, 999999999))
   return wrk.format("POST", "/register", headers,
      body .. "&email=" .. email .. "&password=a+long+enough+passphrase&password_again=a+long+enough+passphrase")
end

function response(status, headers, body) common.count(status, 200) end
function done(summary, latency, requests) common.done(summary, latency, true) end
