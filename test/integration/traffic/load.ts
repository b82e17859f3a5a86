import type { DemoGateway } from '../../helpers/demo-gateway.js';

/**
 * A bounded load on loopback: exactly `total` requests, `concurrency` at a time. `onProgress` runs after
 * each completed request with the number completed so far (to kill an instance or reload mid-load).
 * Returns the failures: non-200 answers and answers with errors.
 */
export async function runBoundedLoad(
  gateway: DemoGateway,
  options: { query: string; total: number; concurrency: number; onProgress?(completed: number): void | Promise<void> },
): Promise<{ completed: number; failures: unknown[] }> {
  let started = 0;
  let completed = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (started < options.total) {
      started++;
      try {
        const { status, body } = await gateway.post(options.query);
        if (status !== 200 || body.errors !== undefined) failures.push({ status, errors: body.errors });
      } catch (error) {
        failures.push(error);
      }
      completed++;
      await options.onProgress?.(completed);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { completed, failures };
}

/** Polls `check` every 20 ms until it holds; fails after 5 s. */
export async function expectEventually(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
