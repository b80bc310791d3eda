// Load generator for bench:ingest (its own process): keep-alive POSTs of one heartbeat each,
// round-robin over a fixed set of slave names. Prints autocannon's summary as JSON.
import autocannon from 'autocannon';

const [url, connections, seconds, slaves] = process.argv.slice(2);
const names = Array.from(
  { length: Number(slaves) },
  (_, i) => `bench-${String(i).padStart(5, '0')}`,
);
let next = 0;

const result = await autocannon({
  url: `${url}/api/v1/heartbeats`,
  connections: Number(connections),
  duration: Number(seconds),
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [
    {
      setupRequest(req) {
        const slave = names[next++ % names.length];
        return { ...req, body: `{"slave":"${slave}","master":"bm01","pool":"bench"}` };
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  }),
);
