-- BATCH decisions per call (random seeded people); a few bodies made up front so the
-- generator spends its time sending, not formatting.
package.path = package.path .. ';' .. (os.getenv('BENCH_DIR') or '.') .. '/?.lua'
local report = require('report')
local subjects = tonumber(os.getenv('SUBJECTS') or '1000000')
local batch = tonumber(os.getenv('BATCH') or '1000')
wrk.method = 'POST'
wrk.headers['Content-Type'] = 'application/json'
wrk.headers['Authorization'] = 'Bearer ' .. os.getenv('TOKEN')
local bodies = {}
function init(args)
  for b = 1, 8 do
    local parts = {}
    for i = 1, batch do
      parts[i] = string.format(
        '{"subject":"email:person%d@example.com","purpose":"sponsor_offers","recipient":"sponsors","category":"contact_details"}',
        math.random(0, subjects - 1))
    end
    bodies[b] = '{"questions":[' .. table.concat(parts, ',') .. ']}'
  end
end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, '/v1/decisions/batch', nil, bodies[(n % #bodies) + 1])
end
done = report.done
