/**
 * `serve`: the engine behind the Python package. It reads request frames
 * on stdin and writes replies on stdout (`app/serve.ts`); `import vecscene`
 * starts it, nobody types it.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { UserError } from "../../engine/errors.ts";
import {
  FrameError,
  SyncFrameReader,
  type SyncReader,
  type SyncWriter,
} from "../../host/python/frames.ts";
import { serve } from "../serve.ts";

/** `serve`, ready to add to the program. */
export const serveCli = () =>
  new Command("serve")
    .description(
      "Serve environments to the Python package over stdin/stdout (started by `import vecscene`)",
    )
    .action(async () => {
      if (Deno.stdin.isTerminal()) {
        throw new UserError(
          "serve speaks binary frames on stdin and stdout: it is started by the Python " +
            "package (python/, `import vecscene`), not typed",
        );
      }
      // The pipes as plain files: a write is one system call (Deno.stdout's costs more).
      const [input, output] = pipes();
      try {
        await serve(new SyncFrameReader(input), output);
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        throw new UserError(`serve: ${e.message}; its input must be the Python package's frames`);
      }
    });

/** Standard input and output opened as files where the system allows it. */
function pipes(): [SyncReader, SyncWriter] {
  try {
    return [Deno.openSync("/dev/stdin"), Deno.openSync("/dev/stdout", { write: true })];
  } catch {
    return [Deno.stdin, Deno.stdout];
  }
}
