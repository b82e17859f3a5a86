import type { Engine } from '../../engine/engine.js';
import type { Principal } from '../../request-context.js';

/** One open subscription as the registry knows it. */
export interface OpenSubscription {
  /** The engine (supergraph) it was planned on and runs on until it ends. */
  readonly engine: Engine;
  /** Ends it so the client subscribes again (on the current supergraph): the transport's reconnectable end. */
  restart(): void;
}

/**
 * What the subscription transports share across connections: the count of subscriptions per client
 * (`subscriptions.maxPerClient`), of streaming connections per address (`maxConnectionsPerAddress`), and
 * the open subscriptions with the engine each runs on, so a supergraph reload can end the old ones after
 * `subscriptions.reloadGrace`. Counts are taken with `acquire…` and given back with `releaseSubscription`
 * or the function `acquireConnection` returns.
 */
export class SubscriptionRegistry {
  private readonly perClient = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();
  private readonly open = new Set<OpenSubscription>();
  private readonly graceTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly limits: { readonly maxPerClient: number; readonly maxConnectionsPerAddress: number; readonly reloadGrace?: number | undefined }) {}

  /**
   * Takes one subscription slot of the client: the client's key, to give the slot back with
   * {@link releaseSubscription} (a key, not a closure, for each of thousands of open subscriptions);
   * `undefined` when it holds `maxPerClient` already.
   */
  acquireSubscription(principal: Principal | undefined, address: string | undefined): string | undefined {
    const key = clientKeyOf(principal, address);
    return count(this.perClient, key, this.limits.maxPerClient) ? key : undefined;
  }

  /** Gives back one slot taken with {@link acquireSubscription} (call it once per slot). */
  releaseSubscription(key: string): void {
    uncount(this.perClient, key);
  }

  /** Takes one connection slot of the address; `undefined` when it holds `maxConnectionsPerAddress` already. */
  acquireConnection(address: string | undefined): (() => void) | undefined {
    return take(this.perAddress, address ?? 'unknown', this.limits.maxConnectionsPerAddress);
  }

  /** Records an open subscription, until {@link untrack} (no closure per subscription to forget it). */
  track(subscription: OpenSubscription): void {
    this.open.add(subscription);
  }

  untrack(subscription: OpenSubscription): void {
    this.open.delete(subscription);
  }

  /**
   * A reload swapped in `current`: with `reloadGrace` set, the subscriptions open now on another engine
   * are restarted once it passes (those that ended by then are left alone).
   */
  engineSwapped(current: Engine): void {
    const grace = this.limits.reloadGrace;
    if (grace === undefined) return;
    const old = [...this.open].filter((subscription) => subscription.engine !== current);
    if (old.length === 0) return;
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      for (const subscription of old) if (this.open.has(subscription)) subscription.restart();
    }, grace);
    timer.unref();
    this.graceTimers.add(timer);
  }

  /** Subscriptions open now. */
  get size(): number {
    return this.open.size;
  }

  close(): void {
    for (const timer of this.graceTimers) clearTimeout(timer);
    this.graceTimers.clear();
  }
}

/** A client for `maxPerClient`: its principal's client id, else its subject, else its address. */
export function clientKeyOf(principal: Principal | undefined, address: string | undefined): string {
  if (principal?.clientId !== undefined) return `client:${principal.clientId}`;
  if (principal?.subject !== undefined) return `subject:${principal.subject}`;
  return `address:${address ?? 'unknown'}`;
}

/** Counts one more under `key`, unless it holds `max` already. */
function count(counts: Map<string, number>, key: string, max: number): boolean {
  const held = counts.get(key) ?? 0;
  if (held >= max) return false;
  counts.set(key, held + 1);
  return true;
}

function uncount(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}

/** One slot under `key`, given back by the function it returns (once, however often it is called). */
function take(counts: Map<string, number>, key: string, max: number): (() => void) | undefined {
  if (!count(counts, key, max)) return undefined;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    uncount(counts, key);
  };
}
