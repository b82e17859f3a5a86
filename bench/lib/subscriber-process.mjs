import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Subscribers for bench/subscriptions.mjs, in a process of their own so that neither the gateway nor the
 * publisher shares an event loop with them: `node subscriber-process.mjs <wsUrl> <count> <query>`. Opens
 * `count` graphql-ws clients with one subscription each; each event's `reviewAdded.body` is its emit time
 * (ms since the epoch). Prints `connected <n>` (acknowledged connections) and `received <n>` as the counts grow and, on SIGUSR2, `report <json>`: the
 * latencies (ms) as a histogram of buckets of three significant digits, so that several processes'
 * reports add up and a report stays a few KB however long the latencies grow.
 */

const [url, countText, query] = process.argv.slice(2);
const count = Number(countText);
/** @type {Map<number, number>} latency (ms, three significant digits) → events */
const histogram = new Map();
let received = 0;
let connected = 0;
let printed = -1;
let printedConnected = -1;
const clients = [];
for (let i = 0; i < count; i++) {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, on: { connected: () => connected++ } });
  client.subscribe(
    { query },
    {
      next: (event) => {
        const sentAt = Number(event.data?.reviewAdded?.body);
        if (!Number.isFinite(sentAt)) return;
        received++;
        const bucket = Number(Math.max(0, performance.timeOrigin + performance.now() - sentAt).toPrecision(3));
        histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
      },
      error: (error) => console.error('subscription failed', error),
      complete: () => {},
    },
  );
  clients.push(client);
}
setInterval(() => {
  if (connected !== printedConnected) process.stdout.write(`connected ${(printedConnected = connected)}\n`);
  if (received === printed) return;
  printed = received;
  process.stdout.write(`received ${received}\n`);
}, 200);
process.on('SIGUSR2', () => {
  process.stdout.write(`report ${JSON.stringify({ received, histogram: [...histogram] })}\n`);
});
process.on('SIGTERM', () => {
  Promise.all(clients.map((client) => client.dispose())).finally(() => process.exit(0));
});
