-- wrk script: hosted sign-ins with a password and a TOTP code (issue 20), each two requests on one connection:
--   1. POST /login, the sign-in form for an authorization request (argon2id verification; the user has a
--      confirmed authenticator, so a pending sign-in bound to the browser cookie is stored), answered 303 to
--      /login/second-factor?…;
--   2. POST /login/second-factor with the code the authenticator shows now (RFC 6238, SHA-1, 30 s steps) and the
--      step form's fields (its CSRF token is the sign-in form's: both are bound to the same browser cookie),
--      answered 303 to the client with an authorization code (a session and a code stored, the step claimed).
-- A sign-in counts (as one "200" of the report) only when the second request answers 303 to the client with a
-- code; the first half is neither success nor error (common.intermediate), and whatever else either request gets
-- is an error: a 303 elsewhere after the password, a code refused (303 back to the step page) or a sign-in sent
-- back to the form count as errors by name. The step page's GET, which a browser makes between the two, is left
-- out (bench/run.sh checks once that its form is the one posted here). One sign-in = one argon2id verification.
--
-- Each user is a browser of its own (its own anonymous cookie and form, fetched by bench/run.sh) and signs in at
-- most once per 30 s step: the server accepts a code once per user and step (replay refused). Each wrk thread
-- walks its own slice of the users in turn and takes the code for the current step from precomputed ones; when
-- the least recently used user of its slice has already signed in during this step, the thread stops
-- ("users exhausted": more users are needed) and so does one that finds no precomputed code ("no code for step").
-- Run with one connection per thread (-t N -c N): a thread's state is one sign-in in flight.
-- The latency reported is a whole sign-in's (first request sent to second answer, series "sign_in"); the second
-- request alone is the series "second_factor".
-- Env: BENCH_TOTP_USERS_FILE (first line: the first step the codes are for; then per user: cookie, /login body,
-- step body without `code`, the codes of consecutive steps, separated by spaces), BENCH_TOTP_THREADS (wrk
-- threads: the stride of each thread's slice), BENCH_ORIGIN, BENCH_TOTP_REDIRECT (the client's redirect URI).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local STEP_PATH = "/login/second-factor"
local STEP_SECS = 30
local origin = common.env("BENCH_ORIGIN")
local redirect = common.env("BENCH_TOTP_REDIRECT") .. "?"
local stride = tonumber(common.env("BENCH_TOTP_THREADS"))
local now_us = common.now_us or function() return nil end

local first_step = nil
local all = {}
for line in io.lines(common.env("BENCH_TOTP_USERS_FILE")) do
   if not first_step then
      first_step = tonumber(line)
   elseif line ~= "" then
      local fields = {}
      for field in line:gmatch("%S+") do table.insert(fields, field) end
      table.insert(all, fields)
   end
end

function setup(thread)
   common.setup(thread)
   if thread:get("id") > #all then error("BENCH_TOTP_USERS_FILE has fewer users than wrk threads") end
end

local users = nil   -- this thread's slice: {cookie, login, step, codes, last_step}
local cursor = 1    -- the least recently used user of the slice
local signing = nil -- the user whose password was accepted, until its code is sent
local sent = nil    -- "password" or "factor": what the answer awaited is to
local current = nil -- the user of the sign-in in flight
local started, factor_started = nil, nil
local stopped = false

local function slice()
   local mine = {}
   for i = id, #all, stride do
      local f = all[i]
      table.insert(mine, { cookie = f[1], login = f[2], step = f[3], codes = { select(4, unpack(f)) },
         last_step = -1 })
   end
   return mine
end

local function headers(user)
   return {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = user.cookie,
      ["Origin"] = origin,
   }
end

local function stop(reason)
   if not stopped then
      stopped = true
      io.stderr:write(string.format("sign-in-totp thread %d stopped: %s\n", id, reason))
      wrk.thread:stop()
   end
   -- request() must return a request: one that is never counted as a sign-in.
   sent = "stopped"
   return wrk.format("GET", "/readyz")
end

function request()
   users = users or slice()
   local step = math.floor(os.time() / STEP_SECS)
   if signing then
      local user = signing
      signing = nil
      local code = user.codes[step - first_step + 1]
      if not code then return stop("no code for step " .. step) end
      user.last_step = step
      sent, current, factor_started = "factor", user, now_us()
      return wrk.format("POST", STEP_PATH, headers(user), user.step .. "&code=" .. code)
   end
   local user = users[cursor]
   if user.last_step >= step then return stop("users exhausted (set BENCH_TOTP_USERS higher)") end
   cursor = cursor % #users + 1
   sent, current, started = "password", user, now_us()
   return wrk.format("POST", "/login", headers(user), user.login)
end

function response(status, headers, body)
   local location = headers["location"] or headers["Location"] or ""
   if sent == "password" then
      if status == 303 and location:sub(1, #STEP_PATH + 1) == STEP_PATH .. "?" then
         signing = current
         common.intermediate()
      else
         common.count(status == 303 and "303-not-to-the-step" or status, 303)
      end
   elseif sent == "factor" then
      if status == 303 and location:sub(1, #redirect) == redirect and location:find("[?&]code=") then
         common.count(303, 303)
         local now = now_us()
         if now then
            common.observe("sign_in", now - started)
            common.observe("second_factor", now - factor_started)
         end
      elseif status == 303 and location:sub(1, #STEP_PATH) == STEP_PATH then
         common.count("303-code-refused", 303)
      elseif status == 303 then
         common.count("303-sign-in-restarted", 303)
      else
         common.count(status, 303)
      end
   else
      common.count("stopped", 303)
   end
   sent = nil
end

function done(summary, latency, requests)
   common.done(summary, latency, true, common.now_us and "sign_in" or nil)
end
