/**
 * Ctrl-C for long commands: the first one asks the work to stop after the
 * step in flight (its checkpoint or file is then complete), a second one
 * quits at once (exit 130).
 *
 * @module
 */

/** Listens for SIGINT until `dispose()`; `signal` aborts on the first one. */
export function stopOnSigint(message: string): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) Deno.exit(130);
    console.error(`\n${message}`);
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  return { signal: stop.signal, dispose: () => Deno.removeSignalListener("SIGINT", onSigint) };
}
