-- One decision per call, for a random one of the SUBJECTS people seeded in the ledger.
package.path = package.path .. ';' .. (os.getenv('BENCH_DIR') or '.') .. '/?.lua'
local report = require('report')
local subjects = tonumber(os.getenv('SUBJECTS') or '1000000')
wrk.method = 'POST'
wrk.headers['Content-Type'] = 'application/json'
wrk.headers['Authorization'] = 'Bearer ' .. os.getenv('TOKEN')
function request()
  local body = string.format(
    '{"subject":"email:person%d@example.com","purpose":"sponsor_offers","recipient":"sponsors","category":"contact_details"}',
    math.random(0, subjects - 1))
  return wrk.format(nil, '/v1/decisions', nil, body)
end
done = report.done
