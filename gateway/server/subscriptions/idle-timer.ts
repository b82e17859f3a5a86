/** `subscriptions.idleTimeout`: closes a connection that has had no operation for the whole timeout. */
export class IdleTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {}

  /** Call with the number of operations open now. */
  update(operations: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (operations > 0 || this.timeoutMs <= 0) return;
    this.timer = setTimeout(this.onIdle, this.timeoutMs);
    this.timer.unref();
  }

  stop(): void {
    this.update(1);
  }
}
