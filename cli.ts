#!/usr/bin/env -S deno run --allow-read --allow-write --allow-env
/**
 * The vecscene command line: `run`, `train`, `validate`, `models`,
 * `policies`, `experiment`, `report`, `schema` and `serve`. User errors print
 * `file:line:col: message` and exit with code 2.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { cannotWrite, UserError } from "./engine/errors.ts";
import { VERSION } from "./engine/version.ts";
import { experimentCli } from "./app/cli/experiment.ts";
import { expertCli } from "./app/cli/expert.ts";
import { modelsCli } from "./app/cli/models.ts";
import { policiesCli } from "./app/cli/policies.ts";
import { reportCli } from "./app/cli/report.ts";
import { runCli } from "./app/cli/run.ts";
import { schemaCli } from "./app/cli/schema.ts";
import { serveCli } from "./app/cli/serve.ts";
import { trainCli } from "./app/cli/train.ts";
import { validateCli } from "./app/cli/validate.ts";

/** Builds the program (exported for tests); each command declares its flags in `app/cli/`. */
export function program(): Command {
  const cli = new Command("vecscene")
    .description(
      "Slot-driven scenario engine for DNN partitioning and offloading in vehicular networks",
    )
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, "vecscene: ")) });
  const commands = [
    runCli(),
    trainCli(),
    expertCli(),
    validateCli(),
    modelsCli(),
    policiesCli(),
    experimentCli(),
    reportCli(),
    schemaCli(),
    serveCli(),
  ];
  for (const c of commands) cli.addCommand(c.copyInheritedSettings(cli));
  return cli;
}

/** Runs the CLI on `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    await program().parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(e.code)
        ? 0
        : 2;
    }
    if (e instanceof UserError) {
      console.error(e.message);
      return 2;
    }
    // The file system refusing a path the user gave (an output folder, a scenario) is theirs to fix.
    const fs = [
      Deno.errors.PermissionDenied,
      Deno.errors.NotADirectory,
      Deno.errors.IsADirectory,
      Deno.errors.AlreadyExists,
    ];
    const disk = cannotWrite(e);
    if (disk) {
      console.error(`vecscene: ${disk}`);
      return 2;
    }
    if (fs.some((k) => e instanceof k)) {
      console.error(`vecscene: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
