-- Request submission through the API: an access request for a new person each time
-- (the app limits requests per address per day, as it should).
package.path = package.path .. ';' .. (os.getenv('BENCH_DIR') or '.') .. '/?.lua'
local report = require('report')
wrk.method = 'POST'
wrk.headers['Content-Type'] = 'application/json'
wrk.headers['Authorization'] = 'Bearer ' .. os.getenv('TOKEN')
local thread_id = 0
local counter = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set('tid', thread_id)
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"type":"access","law":"ccpa","email":"submit-%d-%d@example.com","name":"Bench Person"}',
    tid or 0, counter)
  return wrk.format(nil, '/v1/requests', nil, body)
end
done = report.done
