-- wrk script for bench_intake's sustained phases: every request a new report with its own
-- client id, at a random point around the sample centre.
--
--   wrk -t1 -c24 -d8s -s bench/intake_wrk.lua http://127.0.0.1:PORT -- \
--       field|open311 TOKEN_OR_KEY SERVICE LON LAT SPREAD TAG
--
-- field:   POST /field/v1/reports (JSON, Authorization: Bearer TOKEN, report_id unique per
--          request: TAG-thread-counter, so no two requests are one report; TOKEN may be
--          several tokens, comma-separated, taken in turn: several supervisors)
-- open311: POST /open311/v2/requests.json (form-encoded, api_key, no partner id: every
--          request a new report)
-- done() prints "requests N", "not201 N" and "seconds S" for bench_intake to read.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   mode, secret, service = args[1], args[2], args[3]
   lon0, lat0, spread, tag = tonumber(args[4]), tonumber(args[5]), tonumber(args[6]), args[7]
   not201 = 0
   math.randomseed(os.time() * 1000 + tid)
   if mode == "field" then
      path = "/field/v1/reports"
      tokens = {}  -- TOKEN may be several, comma-separated: taken in turn
      for token in string.gmatch(secret, "[^,]+") do
         table.insert(tokens, token)
      end
      headers = {["Content-Type"] = "application/json"}
   else
      path = "/open311/v2/requests.json"
      headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
   end
end

local function around()
   return lon0 + (math.random() * 2 - 1) * spread, lat0 + (math.random() * 2 - 1) * spread
end

function request()
   counter = counter + 1
   local lon, lat = around()
   local body
   if mode == "field" then
      headers["Authorization"] = "Bearer " .. tokens[counter % #tokens + 1]
      body = string.format(
         '{"report_id":"%s-%d-%d","lon":%.7f,"lat":%.7f,"description":"压测：井盖破损"}',
         tag, tid, counter, lon, lat)
   else
      -- "压测：垃圾满溢" percent-encoded (UTF-8)
      body = string.format(
         "api_key=%s&service_code=%s&lat=%.7f&long=%.7f&description=" ..
         "%%E5%%8E%%8B%%E6%%B5%%8B%%EF%%BC%%9A%%E5%%9E%%83%%E5%%9C%%BE%%E6%%BB%%A1%%E6%%BA%%A2",
         secret, service, lat, lon)
   end
   return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
   if status ~= 201 then
      not201 = not201 + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, thread in ipairs(threads) do
      bad = bad + thread:get("not201")
   end
   io.write(string.format("requests %d\nnot201 %d\nsocket_errors %d\nseconds %.6f\n",
                          summary.requests, bad,
                          summary.errors.connect + summary.errors.read +
                          summary.errors.write + summary.errors.timeout,
                          summary.duration / 1e6))
end
