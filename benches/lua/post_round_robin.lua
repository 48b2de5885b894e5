-- wrk script: POST the JSON body in $BODY_FILE to each path of $PATHS_FILE in turn (one per line), with
-- "Authorization: Bearer $BENCH_TOKEN". Prints one WRK_RESULT line, as ../shared/bench/lua/post_json.lua.
local function read(name)
  local f = assert(io.open(assert(os.getenv(name), name .. " is not set"), "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local body = read("BODY_FILE")
local paths = {}
for line in read("PATHS_FILE"):gmatch("[^\n]+") do paths[#paths + 1] = line end
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }
local next_path = 0

function setup(thread)
  thread:set("offset", #paths > 0 and math.random(#paths) or 0)
end

function request()
  next_path = next_path + 1
  local path = paths[((next_path + (offset or 0)) % #paths) + 1]
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
