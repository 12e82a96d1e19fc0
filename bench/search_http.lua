-- wrk script for bench/search_http.py: each wrk thread is one signed-in client with one
-- connection, sending its own session cookie and taking the queries in turn.
--   wrk -t16 -c16 -d30s -s bench/search_http.lua URL -- COOKIES_FILE PATHS_FILE
-- COOKIES_FILE has one "cp_session=..." per line, a line per client; PATHS_FILE one
-- request path (/api/v1/children?...) per line. Prints one "status N COUNT" line per
-- response status seen, for the Python side to read.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function lines(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(found, line) end
  end
  return found
end

function init(args)
  local cookies = lines(args[1])
  paths = lines(args[2])
  cookie = cookies[id]
  step = #cookies
  at = id - 1
  statuses = {}
end

function request()
  local path = paths[(at % #paths) + 1]
  at = at + step
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("seconds %.3f\n", summary.duration / 1e6))
  local errors = summary.errors
  io.write(string.format("socket_errors %d\n",
    errors.connect + errors.read + errors.write + errors.timeout))
  for _, p in ipairs({ 50, 95, 99 }) do
    io.write(string.format("p%d_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
end
