import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../gateway/traffic/circuit-breaker.js';

describe('CircuitBreaker', () => {
  const make = () => {
    let now = 0;
    const changes: string[] = [];
    const breaker = new CircuitBreaker({ failures: 2, openForMs: 100, halfOpenRequests: 1 }, (state) => changes.push(state), () => now);
    return { breaker, changes, advance: (ms: number) => (now += ms) };
  };

  it('opens after consecutive failures only; a success in between resets the count', () => {
    const { breaker } = make();
    breaker.failed(breaker.acquire());
    breaker.succeeded(breaker.acquire());
    breaker.failed(breaker.acquire());
    expect(breaker.state).toBe('closed');
    breaker.failed(breaker.acquire());
    expect(breaker.state).toBe('open');
    expect(breaker.acquire()).toBeUndefined();
  });

  it('half-open lets one trial through; its failure reopens, its success closes', () => {
    const { breaker, changes, advance } = make();
    breaker.failed(breaker.acquire());
    breaker.failed(breaker.acquire());
    advance(100);
    const trial = breaker.acquire();
    expect(trial).toBe('trial');
    expect(breaker.acquire()).toBeUndefined();
    breaker.failed(trial);
    expect(breaker.state).toBe('open');
    advance(100);
    breaker.succeeded(breaker.acquire());
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('a trial the client abandoned gives its slot back', () => {
    const { breaker, advance } = make();
    breaker.failed(breaker.acquire());
    breaker.failed(breaker.acquire());
    advance(100);
    breaker.released(breaker.acquire());
    expect(breaker.acquire()).toBe('trial');
  });
});
