"""The wrk Lua script of one kind of request in the mixed load (bench.mixed_load).

One wrk process per kind (``-t1``), so each kind has its own latency histogram: wrk's Lua cannot
time a single request, but ``done()`` reads the process's histogram. The script picks a random line
of a prepared file for each request (a path, or a body for POSTs); ``sequential`` takes the lines
in order instead (new USCCs to register). ``delay()`` paces each connection (think time), so the
mix keeps its proportions; the status kind runs without one, as fast as the server answers.
``response()`` counts every status code, ``done()`` prints one line ``RESULT {json}``.
"""

from __future__ import annotations

LUA = r"""
local lines = {}
for line in io.lines("%(lines)s") do lines[#lines + 1] = line end
local method = "%(method)s"
local fixed_path = "%(path)s"
local sequential = %(sequential)s
local pause = %(delay_ms)d
local headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
if "%(token)s" == "" then headers = {} end
local i = 0
counts = {}
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

request = function()
  local line
  if sequential then
    i = i + 1
    line = lines[((i - 1) %% #lines) + 1]
  else
    line = lines[math.random(#lines)]
  end
  if method == "GET" then
    return wrk.format("GET", line, headers)
  end
  return wrk.format(method, fixed_path, headers, line)
end

if pause > 0 then
  delay = function() return pause end
end

response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

done = function(summary, latency, requests)
  local parts = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for code, n in pairs(c) do parts[#parts + 1] = string.format('"%%d": %%d', code, n) end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.3f, "p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, '
    .. '"socket_errors": %%d, "status": {%%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


def script(
    *, lines: str, token: str, method: str = "GET", path: str = "", sequential: bool = False, delay_ms: int = 0
) -> str:
    """The Lua text for one kind: ``lines`` is the file of paths (GET) or bodies (POST to ``path``)."""
    return LUA % {
        "lines": lines,
        "method": method,
        "path": path,
        "sequential": "true" if sequential else "false",
        "delay_ms": delay_ms,
        "token": token,
    }
