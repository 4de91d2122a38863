/**
 * What `run` and `validate` check before any policy runs, so that a
 * problem is reported at the scenario key that causes it: a learning policy
 * without a checkpoint, a checkpoint folder that does not exist or holds a
 * damaged file (every sealed file in it checked), and (for
 * `validate`) every policy's creation with its checkpoint loaded, which
 * checks a plugin's params and permissions and a checkpoint's shapes.
 *
 * @module
 */
import { type Problem, UserError } from "../engine/errors.ts";
import { verifyFolder } from "../engine/output/integrity.ts";
import type { World } from "../engine/world.ts";
import { instantiate } from "./player.ts";
import type { PluginOptions } from "./plugin.ts";
import type { ResolvedPolicy } from "./resolve.ts";

/** Options of {@linkcode preflight}. */
export interface PreflightOptions {
  /** `--checkpoint` (applies to a run of one policy). */
  checkpoint?: string;
  /** Also create every policy (and load its checkpoint), then dispose of it. */
  create?: boolean;
  plugins?: PluginOptions;
}

/** A user error's problems placed at `at` when they have no file of their own. */
function placed(e: UserError, at: Problem | undefined): Problem[] {
  return e.problems.map((p) => (p.file || !at ? p : { ...at, message: p.message }));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Throws one `UserError` listing every problem found. */
export async function preflight(
  policies: ResolvedPolicy[],
  world: World,
  o: PreflightOptions = {},
): Promise<void> {
  const problems: Problem[] = [];
  const flag = policies.length === 1 ? o.checkpoint : undefined;
  for (const p of policies) {
    const checkpoint = flag ?? p.checkpoint;
    const at = flag ? undefined : p.checkpointAt ?? p.at;
    if (p.def.learning && !checkpoint) {
      problems.push({
        ...p.at,
        message: `policy "${p.label}" needs a trained checkpoint: train it with ` +
          `\`deno task train FILE --policy ${p.def.id}\`, then name it here (checkpoint: DIR) ` +
          `or pass --checkpoint DIR`,
      });
      continue;
    }
    if (checkpoint && !(await isDirectory(checkpoint))) {
      problems.push({
        ...at,
        message: `checkpoint of policy "${p.label}": no such folder (looked for ${checkpoint})`,
      });
      continue;
    }
    // Every sealed file of the checkpoint folder, checked before anything runs.
    try {
      if (checkpoint) await verifyFolder(checkpoint, "retrain or restore it");
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.push(...placed(e, at));
      continue;
    }
    if (!o.create) continue;
    try {
      const player = await instantiate(p, world, { checkpoint, plugins: o.plugins });
      player.instance.dispose?.();
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.push(...placed(e, at));
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}
