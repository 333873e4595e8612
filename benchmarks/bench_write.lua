-- wrk script of benchmarks/bench_write.py: POSTs comments to one article, each request with the
-- next token of this thread's share (wrk's Lua sees no connection, so a thread rotates through
-- as many tokens as it has connections), a distinct body each time, and tallies status codes.
--
-- wrk ... -s bench_write.lua URL -- TOKENS_FILE BODIES_FILE ARTICLE_ID THREADS CONNECTIONS
-- TOKENS_FILE: one token a line; BODIES_FILE: one JSON string literal a line.

local threads = {}
local started = 0

function setup(thread)
   thread:set("thread_index", started)
   started = started + 1
   table.insert(threads, thread)
end

local function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   return lines
end

function init(args)
   tokens = read_lines(args[1])
   bodies = read_lines(args[2])
   path = "/v1/articles/" .. args[3] .. "/comments"
   thread_count = tonumber(args[4])
   per_thread = math.max(1, math.floor(tonumber(args[5]) / thread_count))
   first_token = thread_index * per_thread
   sent = 0
   statuses = {}
end

function request()
   local token = tokens[(first_token + sent % per_thread) % #tokens + 1]
   -- Threads take interleaved bodies, so no two requests send the same text; past the end of
   -- the list a round number keeps them distinct.
   local k = sent * thread_count + thread_index
   local body = bodies[k % #bodies + 1]
   local round = math.floor(k / #bodies)
   if round > 0 then
      body = body:sub(1, -2) .. " (" .. round .. ")\""
   end
   sent = sent + 1
   return wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
   }, '{"body": ' .. body .. '}')
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local tally = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         tally[status] = (tally[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(tally) do
      table.insert(parts, string.format('"%d": %d', status, count))
   end
   io.write("BENCH_STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end
