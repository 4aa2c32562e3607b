-- The privacy center's home page, paced: each connection waits PACE_MS between its
-- requests (bench-web.sh sets 10 connections × 10 ms ≈ 1,000 requests per second).
package.path = package.path .. ';' .. (os.getenv('BENCH_DIR') or '.') .. '/?.lua'
local report = require('report')
local pace_ms = tonumber(os.getenv('PACE_MS') or '0')
wrk.method = 'GET'
wrk.headers['Cookie'] = 'ombud_device=0123456789abcdef0123456789abcdef'
function delay() return pace_ms end
done = report.done
