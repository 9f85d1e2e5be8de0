-- wrk script: a password-guessing flood against one account (BENCH_VICTIM) from a new address per request
-- (X-Forwarded-For, with the server trusting 127.0.0.1 as its proxy), as a botnet would send it. Answers are 400
-- (a guess checked and wrong) until the account is locked for unknown sources, then 429 (refused unchecked).
-- Env: BENCH_BASIC, BENCH_VICTIM, BENCH_FLOOD_DELAY_MS (pause before each request of a connection: bounds the
-- flood's rate; 0 floods as fast as the server answers).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local headers = {
   ["Content-Type"] = "application/x-www-form-urlencoded",
   ["Authorization"] = "Basic " .. common.env("BENCH_BASIC"),
}
local body = "grant_type=password&username=" .. common.env("BENCH_VICTIM") .. "&password=guess-"

setup = common.setup
local n = 0
local pause = tonumber(common.env("BENCH_FLOOD_DELAY_MS"))

function delay()
   return pause
end

function request()
   n = n + 1
   headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
      math.random(1, 254))
   return wrk.format("POST", "/token", headers, body .. n)
end

function response(status, headers, body) common.count(status, 429) end
function done(summary, latency, requests) common.done(summary, latency, true) end
