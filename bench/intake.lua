-- wrk script: POST a fresh intake body per request (unique source_ref), report JSON at the end.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  math.randomseed(os.time() + id * 7919)
end

local body_template = [[{"source_ref": "BENCH-%s", "channel": "hotline", "received_at": "2026-10-08T09:30:00+08:00", "category": "城市管理", "district": "武侯区", "department_code": "CDJT", "complainant": {"name": "王小明", "phone": "13800001234", "id_number": null, "address": null}, "content": "玉林南路人行道井盖缺失，多次反映未处理，晚上路灯昏暗，已经有老人不慎踩空摔伤。", "reply": "已安排养护单位修复。", "replied_at": "2026-10-12T16:00:00+08:00", "rating": "unsatisfied", "rated_at": "2026-10-13T10:00:00+08:00"}]]

function request()
  counter = counter + 1
  local ref = string.format("%d-%d-%d", math.random(1, 1000000000), thread_id, counter)
  return wrk.format("POST", "/api/v1/cases",
    {["Content-Type"] = "application/json", ["X-API-Key"] = os.getenv("BENCH_API_KEY") or "demo-hotline-key"},
    string.format(body_template, ref))
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.stderr:write(string.format('{"requests": %d, "duration_us": %d, "p99_us": %d, "p50_us": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(99), latency:percentile(50), errors))
end
