import type { CliIo } from '../../gateway/cli/command.js';
import { main } from '../../gateway/cli/main.js';

/** CliIo that keeps what a command writes, for assertions. */
export function capturedIo(): CliIo & { readonly out: () => string; readonly err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    out: () => out,
    err: () => err,
  };
}

/** Runs `atrium <argv>` in process and returns its exit code and what it wrote. */
export async function runMain(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capturedIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}
