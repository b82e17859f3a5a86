import type { ExecutionResult } from 'graphql';
import { AtriumError, toGraphQLError } from '../errors.js';
import type { SubgraphEventStream, SubgraphResponse } from '../subgraph-client/contracts.js';
import { PushStream } from '../subgraph-client/push-stream.js';

/**
 * Completed events that may wait for a client that takes them slowly (its transport sends one at a time);
 * one more ends that client's subscription with SUBSCRIPTION_SLOW_CONSUMER, so a slow client cannot grow
 * the queue (and cannot hold back the other clients of its group).
 */
export const MAX_QUEUED_EVENTS = 1000;

/**
 * Events of one group completed at once: each completion waits on its entity fetches, so completing one
 * event at a time capped a stream at one event per fetch round trip and let a backlog (and the latency)
 * grow. Results are still delivered in the upstream's order.
 */
const CONCURRENT_COMPLETIONS = 32;

type SubgraphEvent = SubgraphResponse['body'];
const ignore = () => {};
const tooManyQueued = () =>
  toGraphQLError(new AtriumError('SUBSCRIPTION_SLOW_CONSUMER', `more than ${MAX_QUEUED_EVENTS} events waited for the client to take them`));

/** How one group of clients gets its events: the upstream stream and the completion of one event. */
export interface EventSource {
  /** Opens the upstream stream; `signal` aborts when the group's last client leaves. */
  open(signal: AbortSignal): Promise<SubgraphEventStream>;
  /** Completes one upstream event (the plan's rest, shaping, response hooks); `signal` as for `open`. */
  complete(event: SubgraphEvent, signal: AbortSignal): Promise<ExecutionResult>;
}

/** Clients that receive the same completed events, and the one upstream stream and loop that feed them. */
interface Group {
  readonly members: Set<PushStream<ExecutionResult>>;
  readonly controller: AbortController;
  readonly opened: Promise<SubgraphEventStream>;
  readonly key: string | undefined;
  /** Takes a member off the group: one function per group, not a closure per member. */
  readonly leave: (member: PushStream<ExecutionResult>) => void;
}

/**
 * Completes each upstream event once per group and hands the same result object to every client of the
 * group. Clients join under a sharing key (engine.ts decides it: same operation, variables, plan,
 * principal and forwarded request headers, so every member would have got an identical completion);
 * `undefined` gives the client a group of its own. Events are completed concurrently (up to
 * {@link CONCURRENT_COMPLETIONS}) and delivered in the upstream's order; when
 * the upstream fails, every member's stream ends with that error as a GraphQLError (code, `serviceName`);
 * when the last member leaves (`return()`), the group's signal aborts its in-flight fetches and the
 * upstream stream is closed.
 *
 * @example
 * const events = await sharedEvents.join(key, { open: (signal) => client.subscribe(request, signal), complete });
 */
export class SharedEventCompletion {
  private readonly groups = new Map<string, Group>();

  async join(key: string | undefined, source: EventSource): Promise<PushStream<ExecutionResult>> {
    let group = key === undefined ? undefined : this.groups.get(key);
    if (!group) group = this.start(key, source);
    const member = new PushStream<ExecutionResult>({ onReturn: group.leave, maxQueued: MAX_QUEUED_EVENTS, overflow: tooManyQueued });
    group.members.add(member);
    try {
      await group.opened;
    } catch (error) {
      group.members.delete(member);
      throw error;
    }
    return member;
  }

  private start(key: string | undefined, source: EventSource): Group {
    const controller = new AbortController();
    const opened = source.open(controller.signal);
    const group: Group = { members: new Set(), controller, opened, key, leave: (member) => this.leave(group, member) };
    if (key !== undefined) this.groups.set(key, group);
    opened.then(
      (events) => void this.run(group, events, source),
      () => this.forget(group),
    );
    return group;
  }

  private async run(group: Group, events: SubgraphEventStream, source: EventSource): Promise<void> {
    const { members, controller } = group;
    let failure: Error | undefined;
    // The delivery of every event started so far, in order; a completion that throws rejects it.
    let delivered: Promise<void> = Promise.resolve();
    let inFlight = 0;
    try {
      for await (const event of events) {
        if (members.size === 0) return;
        if (inFlight >= CONCURRENT_COMPLETIONS) await delivered;
        const completion = source.complete(event, controller.signal);
        inFlight++;
        delivered = delivered.then(async () => {
          const result = await completion;
          inFlight--;
          for (const member of members) member.push(result);
        });
        // Handled now, thrown at the next await of it (above or below); a failure stops reading the
        // upstream at once, so the loop reaches that await.
        completion.catch(ignore);
        delivered.catch(() => void events.return(undefined));
      }
      await delivered;
    } catch (error) {
      failure = toGraphQLError(error instanceof AtriumError ? error : new AtriumError('INTERNAL_SERVER_ERROR', 'the subscription failed', { cause: error }));
    }
    this.forget(group);
    for (const member of members) member.end(failure);
    members.clear();
  }

  private leave(group: Group, member: PushStream<ExecutionResult>): void {
    if (!group.members.delete(member) || group.members.size > 0) return;
    this.forget(group);
    group.controller.abort();
    void group.opened.then((events) => events.return(undefined), () => {});
  }

  /** New clients with the group's key start a group of their own from now on. */
  private forget(group: Group): void {
    if (group.key !== undefined && this.groups.get(group.key) === group) this.groups.delete(group.key);
  }
}
