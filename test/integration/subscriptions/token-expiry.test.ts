import { createClient as createSseClient } from 'graphql-sse';
import type { Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { collect, until, wsClient } from '../../helpers/subscription-clients.js';

// subscriptions.closeOnTokenExpiry through the real gateway: a subscription authenticated with a
// short-lived JWT ends when the token's exp passes — over WebSocket with close 4403 TOKEN_EXPIRED, over
// SSE with a last TOKEN_EXPIRED error — and its upstream subscription is closed.

const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const SUBSCRIPTION = 'subscription { reviewAdded { id } }';

let subgraphs: DemoSubgraphs;
let gateway: DemoGateway;
let lenient: DemoGateway;
const clients: Client[] = [];

const reviewSubscribers = () => subgraphs.subgraphs.find((s) => s.name === 'reviews')!.subscribers();

/** An HS256 token of the `internal` issuer that expires `seconds` from now. */
function shortLivedToken(seconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'profile' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('42')
    .setIssuer('internal')
    .setIssuedAt(now)
    .setExpirationTime(now + seconds)
    .sign(new TextEncoder().encode(SECRET));
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  const auth = { jwt: { issuers: { internal: { issuer: 'internal', secret: SECRET } } } };
  gateway = await startDemoGateway({ subgraphs, config: { auth } });
  lenient = await startDemoGateway({ subgraphs, config: { auth, subscriptions: { closeOnTokenExpiry: false } } });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gateway?.close();
  await lenient?.close();
  await subgraphs?.close();
});

describe('an expired token ends the subscription (subscriptions.closeOnTokenExpiry)', () => {
  it('closes a WebSocket connection with 4403 TOKEN_EXPIRED at the token exp, and closes upstream', async () => {
    const token = await shortLivedToken(2);
    const stream = collect(wsClient(gateway.url, clients, { connectionParams: { authorization: `Bearer ${token}` } }), SUBSCRIPTION);
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    const outcome = await stream.ended;
    expect(outcome.error).toMatchObject({ code: 4403 });
    expect((outcome.error as { reason: string }).reason).toMatch(/^TOKEN_EXPIRED: the token expired at /);
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('ends an SSE subscription with a last TOKEN_EXPIRED error', async () => {
    const token = await shortLivedToken(2);
    const client = createSseClient({ url: gateway.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const stream = collect(client, SUBSCRIPTION);
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    await stream.ended;
    expect(stream.events.at(-1)).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'TOKEN_EXPIRED' }) })] });
    client.dispose();
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('keeps the subscription past exp with closeOnTokenExpiry: false', async () => {
    const token = await shortLivedToken(1);
    const stream = collect(wsClient(lenient.url, clients, { connectionParams: { authorization: `Bearer ${token}` } }), SUBSCRIPTION);
    await until(() => reviewSubscribers() === 1, 'the upstream subscription');
    // Past exp (whole seconds): the subscription is still served, so an event still arrives.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await lenient.post('mutation { addReview(input: { upc: "1001", authorId: "1", rating: 5, body: "late" }) { id } }');
    await until(() => stream.events.length === 1, 'an event after exp');
    stream.unsubscribe();
    await until(() => reviewSubscribers() === 0, 'the upstream subscription to close');
  });

  it('refuses an already expired token at connection_init with 4401', async () => {
    const token = await shortLivedToken(-60);
    const stream = collect(wsClient(gateway.url, clients, { connectionParams: { authorization: `Bearer ${token}` } }), SUBSCRIPTION);
    const outcome = await stream.ended;
    expect(outcome.error).toMatchObject({ code: 4401 });
  });
});
