import type { CliIo } from '../../../gateway/cli/command.js';

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
