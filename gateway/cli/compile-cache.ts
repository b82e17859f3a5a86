import nodeModule from 'node:module';

/**
 * Node's module compile cache for the `atrium` binary: V8's compiled code of every module the gateway loads
 * is kept on disk, so the next start skips most of the compiling (about a third of a cold `atrium serve`,
 * docs/performance.md "Start-up"). Node decides where it lives: `NODE_COMPILE_CACHE` if set, else
 * `<os.tmpdir()>/node-compile-cache`; `NODE_DISABLE_COMPILE_CACHE=1` turns it off. A directory that cannot
 * be created or written leaves the cache off and changes nothing else. Node 20 has no compile cache
 * (`module.enableCompileCache` came in Node 22.8): there this does nothing.
 */

/** What {@link enableCompileCache} did, for the start-up log. */
export type CompileCacheState =
  | { readonly enabled: true; readonly directory: string }
  | { readonly enabled: false; readonly reason: string };

interface CompileCacheApi {
  enableCompileCache?: () => { status: number; message?: string; directory?: string };
  flushCompileCache?: () => void;
  constants?: { compileCacheStatus?: Record<string, number> };
}

const api = nodeModule as unknown as CompileCacheApi;
let state: CompileCacheState = { enabled: false, reason: 'not enabled by this process' };

/**
 * Turns the compile cache on for this thread. Call it before the modules it should cover are loaded: an
 * entry point calls it first and loads the rest with `import()` (static imports are compiled before any
 * code of the importing module runs). Never throws.
 *
 * @example
 * enableCompileCache();
 * const { main } = await import('./cli/main.js');
 */
export function enableCompileCache(): CompileCacheState {
  if (typeof api.enableCompileCache !== 'function') {
    state = { enabled: false, reason: `Node ${process.version} has no module compile cache` };
    return state;
  }
  try {
    const { status, message, directory } = api.enableCompileCache();
    const statuses = api.constants?.compileCacheStatus ?? {};
    state =
      directory !== undefined && (status === statuses.ENABLED || status === statuses.ALREADY_ENABLED)
        ? { enabled: true, directory }
        : { enabled: false, reason: message ?? `status ${status}` };
  } catch (error) {
    // Documented never to throw; a cache is not worth a failed start if some version does.
    state = { enabled: false, reason: (error as Error).message };
  }
  return state;
}

/** The outcome of the last {@link enableCompileCache} in this thread. */
export function compileCacheState(): CompileCacheState {
  return state;
}

/**
 * Writes what was compiled so far to the cache now. Node writes it when the process exits, which a
 * gateway stopped by SIGKILL (or a server thread) may never do; `atrium serve` calls this once it serves.
 */
export function flushCompileCache(): void {
  if (!state.enabled || typeof api.flushCompileCache !== 'function') return;
  try {
    api.flushCompileCache();
  } catch {
    // An unwritable cache directory costs the next start its speed-up, nothing else.
  }
}
