-- wrk script: single sign-on flows. Each flow is two requests on one connection: GET /authorize with a session
-- cookie (303 to the client with a code: a code row written), then POST /token exchanging the code with its PKCE
-- verifier (two RS256 signatures: access token and ID token). A flow counts when the token request answers 200;
-- the 303 is its first half, not a success of its own. One connection per wrk thread (the code is thread state).
-- Env: BENCH_AUTHORIZE_PATH, BENCH_SESSION_COOKIE, BENCH_WEB_BASIC, BENCH_CODE_BODY (the form without `code`).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local authorize_path = common.env("BENCH_AUTHORIZE_PATH")
local authorize_headers = { ["Cookie"] = common.env("BENCH_SESSION_COOKIE") }
local token_headers = {
   ["Authorization"] = "Basic " .. common.env("BENCH_WEB_BASIC"),
   ["Content-Type"] = "application/x-www-form-urlencoded",
}
local code_body = common.env("BENCH_CODE_BODY")
local code = nil

setup = common.setup

function request()
   if code then
      local body = code_body .. "&code=" .. code
      code = nil
      return wrk.format("POST", "/token", token_headers, body)
   end
   return wrk.format("GET", authorize_path, authorize_headers, nil)
end

function response(status, headers, body)
   if status == 303 then
      local location = headers["location"] or headers["Location"] or ""
      code = string.match(location, "[?&]code=([^&]+)")
      if code then
         common.intermediate()
         return
      end
   end
   common.count(status, 200)
end

function done(summary, latency, requests) common.done(summary, latency, true) end
