import { describe, expect, it } from 'vitest';
import { Instance, InstanceSet, VersionSplit } from '../../../gateway/traffic/instance-pool.js';

const instances = (n: number) => Array.from({ length: n }, (_, i) => new Instance('products', `v/${i}`, `http://i${i}/graphql`));

describe('VersionSplit', () => {
  it('gives each version exactly its weight in every run of sum-of-weights requests, interleaved', () => {
    const split = new VersionSplit([new InstanceSet('stable', 95, instances(1)), new InstanceSet('canary', 5, instances(1))]);
    const chosen = Array.from({ length: 200 }, () => split.choose().name);
    expect(chosen.slice(0, 100).filter((name) => name === 'canary')).toHaveLength(5);
    expect(chosen.slice(100).filter((name) => name === 'canary')).toHaveLength(5);
    expect(chosen.slice(0, 20)).toContain('canary');
  });
});

describe('InstanceSet', () => {
  it('round-robin skips unhealthy instances and avoids the one a retry failed on', () => {
    const list = instances(3);
    const set = new InstanceSet('v', 1, list);
    list[1]!.healthy = false;
    expect([0, 1, 2, 3].map(() => set.pick('round-robin', undefined, false)!.id)).toEqual(['v/0', 'v/2', 'v/0', 'v/2']);
    expect(set.pick('round-robin', list[0], false)!.id).toBe('v/2');
    list[0]!.healthy = false;
    list[2]!.healthy = false;
    expect(set.pick('round-robin', undefined, false)).toBeUndefined();
    expect(set.pick('round-robin', undefined, true)).toBeDefined();
  });

  it('least-outstanding picks the fewest in flight; none when every breaker is open', () => {
    const list = instances(2);
    const set = new InstanceSet('v', 1, list);
    list[0]!.outstanding = 3;
    expect(set.pick('least-outstanding', undefined, false)!.id).toBe('v/1');
    for (const instance of list) {
      instance.configureBreaker({ failures: 1, openForMs: 60_000, halfOpenRequests: 1 }, () => {});
      instance.breaker!.failed('closed');
    }
    expect(set.pick('least-outstanding', undefined, true)).toBeUndefined();
  });
});
