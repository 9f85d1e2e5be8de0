-- wrk script: GET /.well-known/jwks.json. No response() callback, so wrk does not hand bodies to Lua: 200s are
-- counted as requests minus HTTP errors (the endpoint answers 200 or, with If-None-Match, which we never send, 304).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "GET"
wrk.path = "/.well-known/jwks.json"

setup = common.setup
function done(summary, latency, requests) common.done(summary, latency, false) end
