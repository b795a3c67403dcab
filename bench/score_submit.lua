-- wrk script: each request submits one new score sheet (6 criteria) for the next (member token, case) pair.
local pairs_list = {}
local index = 0
local step = 1
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_PAIRS")) do
    local token, number = line:match("^(%S+) (%S+)$")
    table.insert(pairs_list, {token, number})
  end
  step = tonumber(os.getenv("BENCH_THREADS") or "2")
  index = id + 1
end

local body = '{"revision": 0, "scores": [' ..
  '{"criterion": "C1", "value": 4, "reason": "按时签收并联系诉求人"},' ..
  '{"criterion": "C2", "value": 3, "reason": "程序基本完整"},' ..
  '{"criterion": "C3", "value": 4, "reason": "依据准确"},' ..
  '{"criterion": "C4", "value": 2, "reason": "问题仅部分解决"},' ..
  '{"criterion": "C5", "value": 3, "reason": "基本回应诉求"},' ..
  '{"criterion": "C6", "value": 4, "reason": "沟通耐心"}]}'

function request()
  local pair = pairs_list[index]
  index = index + step
  return wrk.format("POST", "/api/v1/cases/" .. pair[2] .. "/scores",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. pair[1]}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.stderr:write(string.format('{"requests": %d, "duration_us": %d, "p99_us": %d, "p50_us": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(99), latency:percentile(50), errors))
end
