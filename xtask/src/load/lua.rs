//! The Lua scripts wrk runs: counting answers, making unique creates and binds, and sending
//! hostile bodies. Each prints one `KEYRACK_RESULT` line that [`super::wrk`] reads.

/// Shared by every scenario: counts non-2xx answers (and 2xx answers lacking `expect`, when
/// a script sets it) per thread, and prints one machine-readable line at the end.
pub const LUA_COMMON: &str = r#"
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

non2xx = 0
unexpected = 0
sample = ""

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if sample == "" then
      sample = status .. " " .. string.sub(body or "", 1, 200)
    end
  elseif expect ~= nil and not string.find(body or "", expect, 1, true) then
    unexpected = unexpected + 1
    if sample == "" then
      sample = "unexpected " .. status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local n, u, s = 0, 0, ""
  for _, t in ipairs(threads) do
    n = n + (t:get("non2xx") or 0)
    u = u + (t:get("unexpected") or 0)
    local ts = t:get("sample")
    if s == "" and ts ~= nil then s = ts end
  end
  local e = summary.errors
  io.write(string.format("KEYRACK_RESULT %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    n, u, e.connect + e.read + e.write + e.timeout))
  if s ~= "" then
    io.write("KEYRACK_SAMPLE " .. (string.gsub(s, "%s+", " ")) .. "\n")
  end
end

-- wrk.format uses the table given instead of wrk.headers (Authorization from -H), so merge.
local function json_headers()
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["Content-Type"] = "application/json"
  return h
end
"#;

/// POST /key-pairs: a unique name and a fresh random Ed25519 public key per request (32
/// random bytes in the SSH wire format, base64-encoded).
pub const LUA_CREATE: &str = r#"
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function b64(s)
  local out = {}
  local len = #s
  for i = 1, len, 3 do
    local a, b, c = string.byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = string.sub(B64, c1 + 1, c1 + 1) .. string.sub(B64, c2 + 1, c2 + 1)
      .. (b and string.sub(B64, c3 + 1, c3 + 1) or "=")
      .. (c and string.sub(B64, c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

local function u32(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
end

local WIRE_HEAD = u32(11) .. "ssh-ed25519" .. u32(32)

function init(args)
  nonce = os.getenv("KEYRACK_NONCE") or "x"
  math.randomseed(tonumber(os.getenv("KEYRACK_SEED") or "1") * 1000 + tid * 7919 + os.time())
  count = 0
end

function request()
  count = count + 1
  local bytes = {}
  for i = 1, 32 do
    bytes[i] = string.char(math.random(0, 255))
  end
  local key = "ssh-ed25519 " .. b64(WIRE_HEAD .. table.concat(bytes))
  local body = string.format(
    '{"name":"bench-%s-%d-%d","public_key":"%s","tags":[{"key":"env","value":"bench"}]}',
    nonce, tid, count, key)
  return wrk.format("POST", "/api/v1/key-pairs", json_headers(), body)
end
"#;

/// POST …/batch-delete refused: with `KEYRACK_HOSTILE=1`, hostile bodies within the 64 KiB
/// limit, in turn 6,000 ids (100 are allowed) and JSON nested 30,000 arrays deep; otherwise
/// 101 ids, the smallest body refused for the same rule. Every answer must be a 400.
pub const LUA_HOSTILE_BODY: &str = r#"

local function ids_body(n)
  local ids = {}
  for i = 1, n do ids[i] = '"k' .. i .. '"' end
  return '{"ids":[' .. table.concat(ids, ",") .. ']}'
end

-- The requests are made once: formatting 60 KB per request would cost wrk, on the same
-- cores, more than the server's answer.
function init(args)
  local bodies
  if os.getenv("KEYRACK_HOSTILE") == "1" then
    bodies = {
      ids_body(6000),
      '{"ids":' .. string.rep("[", 30000) .. string.rep("]", 30000) .. '}',
    }
  else
    bodies = { ids_body(101), ids_body(101) }
  end
  requests = {}
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", wrk.path, json_headers(), body)
  end
  count = 0
end

function request()
  count = count + 1
  return requests[count % 2 + 1]
end
"#;

/// POST /key-pairs/{id}/bind with one instance, rotating over the seeded keys and instances
/// so that each request binds a pair not bound before (2xx answers other than `bound` are
/// counted apart).
pub const LUA_BIND: &str = r#"

function init(args)
  keys = {}
  for line in io.lines(os.getenv("KEYRACK_KEYS")) do keys[#keys + 1] = line end
  instances = {}
  for line in io.lines(os.getenv("KEYRACK_INSTANCES")) do instances[#instances + 1] = line end
  base = tonumber(os.getenv("KEYRACK_BASE") or "0")
  nthreads = tonumber(os.getenv("KEYRACK_THREADS") or "1")
  count = 0
  expect = '"outcome":"bound"'
end

-- Request c binds instance c mod I to key (c + c div I + shift) mod K: a new pair each time
-- (for K·I requests), never one the warm-up (base > 0: shifted by half the keys) bound.
function request()
  local c = count * nthreads + tid
  count = count + 1
  local shift = 0
  if base > 0 then shift = math.floor(#keys / 2) end
  local instance = instances[c % #instances + 1]
  local key = keys[(c + math.floor(c / #instances) + shift) % #keys + 1]
  return wrk.format("POST", "/api/v1/key-pairs/" .. key .. "/bind", json_headers(),
    '{"instance_ids":["' .. instance .. '"]}')
end
"#;
