#!/usr/bin/env -S deno run --allow-read --allow-write --allow-env
/**
 * The vecscene command line: `run`, `train`, `validate`, `models`,
 * `policies`, `experiment`, `report` and `schema`. User errors print
 * `file:line:col: message` and exit with code 2.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { quote, UserError } from "./engine/errors.ts";
import { loadPlugin } from "./host/plugin.ts";
import { defaultRegistry, type PolicyRegistry } from "./host/registry.ts";
import { VERSION } from "./engine/version.ts";
import { modelsCommand } from "./app/cli/models.ts";
import { runCommand } from "./app/cli/run.ts";
import { schemaCommand } from "./app/cli/schema.ts";
import { experimentCommand, experimentSchemaText } from "./app/cli/experiment.ts";
import { validateCommand } from "./app/cli/validate.ts";
import { trainCommand } from "./app/cli/train.ts";
import { expertCommand } from "./app/cli/expert.ts";

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
      throw new InvalidArgumentError(`expected a whole number ${range}, got ${quote(v)}`);
    }
    return n;
  };
}

/** The schema's limit of `time.episodes`. */
const MAX_EPISODES = 10_000_000;

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function registryWith(plugins: string[] = [], trust = false): Promise<PolicyRegistry> {
  const r = defaultRegistry();
  for (const p of plugins) r.registerPlugin(await loadPlugin(p, Deno.cwd(), trust), p);
  return r;
}

/** Builds the program (exported for tests). */
export function program(): Command {
  const cli = new Command("vecscene")
    .description(
      "Slot-driven scenario engine for DNN partitioning and offloading in vehicular networks",
    )
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, "vecscene: ")) });

  cli.command("run")
    .description(
      "Run a scenario's policies over its episodes; print a comparison table, write results",
    )
    .argument("<file>", "scenario YAML file")
    .option(
      "-o, --out <dir>",
      "output directory (default: the scenario's output.dir, else out/<name>)",
    )
    .option("-e, --episodes <n>", "number of episodes", integer(1, MAX_EPISODES))
    .option("-s, --seed <n>", "scenario seed", integer(0))
    .option("-p, --policy <id>", "run this policy instead of the scenario's (repeatable)", collect)
    .option(
      "--plugin <path>",
      "register a policy module so its id can be used (repeatable)",
      collect,
    )
    .option("--checkpoint <dir>", "checkpoint directory for a learning policy")
    .option("--trust-plugins", "run plugins in-process with the CLI's permissions (no sandbox)")
    .option("--no-csv", "write only summary.json and comparison.csv")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (file, opts) => {
      await runCommand(file, {
        ...opts,
        registry: await registryWith(opts.plugin, opts.trustPlugins),
      });
    });

  cli.command("train")
    .description(
      "Train a learning policy (mad2rl, pqmix or a plugin) with checkpoints; --resume continues",
    )
    .argument("<file>", "scenario YAML file")
    .requiredOption("-p, --policy <id>", "mad2rl, pqmix, or the id of a --plugin learner")
    .option(
      "--plugin <path>",
      "register a policy module so its id can be used (repeatable)",
      collect,
    )
    .option("-e, --episodes <n>", "total training episodes", integer(1, MAX_EPISODES), 1000)
    .option("-o, --out <dir>", "training directory (default out/train/<policy>)")
    .option("--resume", "continue from the last checkpoint in --out")
    .option("--eval-every <n>", "greedy evaluation every n episodes (0: never)", integer(0), 10)
    .option("--eval-seeds <list>", "held-out seeds, comma-separated (default: scenario seed + 1)")
    .option("--eval-episodes <n>", "episodes per evaluation seed", integer(1), 10)
    .option("--pretrain <dir>", "pre-train on this expert dataset first (deno task expert)")
    .option("--seeds <list>", "train these seeds into OUT/seed-S, then test them (mean, 95 % CI)")
    .option("--test-seed <n>", "with --seeds: seed of the held-out test episodes", integer(0), 3)
    .option("--test-episodes <n>", "with --seeds: held-out test episodes", integer(1), 100)
    .option(
      "--compare <id>",
      "with --seeds: also run this policy on the test (repeatable)",
      collect,
    )
    .option("--checkpoint-every <n>", "full checkpoint every n episodes", integer(1))
    .option("-s, --seed <n>", "scenario seed", integer(0))
    .option("--param <key=value>", "override a policy parameter, JSON value (repeatable)", collect)
    .option("--trust-plugins", "run a plugin learner in-process with the CLI's permissions")
    .option("-q, --quiet", "no progress bar")
    .action(async (file, opts) => {
      await trainCommand(file, {
        ...opts,
        registry: await registryWith(opts.plugin, opts.trustPlugins),
      });
    });

  cli.command("expert")
    .description(
      "Record an expert dataset (states, masks, joint decisions) for train --pretrain",
    )
    .argument("<file>", "scenario YAML file")
    .requiredOption("-p, --policy <id>", "the expert: genetic, exhaustive, or any policy id")
    .option("-e, --episodes <n>", "episodes to record", integer(1, MAX_EPISODES), 100)
    .option("-o, --out <dir>", "dataset folder (default out/expert/<scenario>-<policy>)")
    .option("-s, --seed <n>", "scenario seed", integer(0))
    .option("--param <key=value>", "override an expert parameter, JSON value (repeatable)", collect)
    .option("--plugin <path>", "register a policy module (repeatable)", collect)
    .option("--trust-plugins", "run a plugin expert in-process with the CLI's permissions")
    .option("-q, --quiet", "no progress bar")
    .action(async (file, opts) => {
      await expertCommand(file, {
        ...opts,
        registry: await registryWith(opts.plugin, opts.trustPlugins),
      });
    });

  cli.command("validate")
    .description("Check scenario files without running them (exit 2 on the first invalid one)")
    .argument("<files...>", "scenario YAML files")
    .option("--plugin <path>", "register a policy module (repeatable)", collect)
    .option("--trust-plugins", "create plugins in-process with the CLI's permissions")
    .action(async (files, opts) => {
      await validateCommand(files, await registryWith(opts.plugin, opts.trustPlugins), opts);
    });

  cli.command("models")
    .description("Print a DNN's per-layer table: index, name, type, transmitted bytes D, workload")
    .argument("[name]", "model name (default: all models of the scenario, or the built-ins)")
    .option("--json", "print JSON")
    .addOption(
      new Option("--flops <convention>", "eq. (6) convention (MODEL.md A4)").choices([
        "literal",
        "exact",
      ]),
    )
    .option("--scenario <file>", "take models, input shape and custom layers from a scenario")
    .action(async (name, opts) => await modelsCommand(name, opts));

  cli.command("policies")
    .description("List the registered policies and their parameters")
    .option("--plugin <path>", "register a policy module (repeatable)", collect)
    .action(async (opts) => {
      const r = await registryWith(opts.plugin);
      for (const d of await r.all()) {
        console.log(`${d.id.padEnd(12)} ${d.description}`);
        for (const [k, v] of Object.entries(d.defaults)) {
          console.log(`${"".padEnd(14)}${k}: ${JSON.stringify(v)}`);
        }
      }
    });

  cli.command("experiment")
    .description(
      "Run an experiment's cells (grid point x policy x seed), resuming finished ones; " +
        "--dry-run lists them",
    )
    .argument("<file>", "experiment YAML file (experiments/*.yaml)")
    .option("--profile <name>", "apply the file's profile (quick, paper, ...)")
    .option("-o, --out <dir>", "output folder (default out/experiments/<name>[-<profile>])")
    .option("-j, --jobs <n>", "cells run at once, each in a worker process", integer(1, 1024), 1)
    .option(
      "--shard <i/n>",
      "run the i-th of n deterministic slices (default: SLURM_ARRAY_TASK_ID/COUNT when set)",
    )
    .option("--dry-run", "list the cells and what is done; run nothing")
    .addOption(new Option("--cell <hash>", "run this one cell here (a worker's job)").hideHelp())
    .option("-q, --quiet", "no progress bar, no summary")
    .action(async (file, opts) => await experimentCommand(file, opts));

  cli.command("report")
    .description(
      "Merge experiment output folders (shards, machines) into results.csv, summary.csv, " +
        "figures and report.html",
    )
    .argument("<dirs...>", "experiment output folders (deno task experiment --out DIR)")
    .option("-o, --out <dir>", "where to write the report (default: the first folder)")
    .option("--no-png", "write SVG figures only")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (dirs, opts) => {
      // Loaded on demand: Vega is needed by this command only.
      const { reportCommand } = await import("./app/cli/report.ts");
      await reportCommand(dirs, opts);
    });

  cli.command("schema")
    .description("Write the scenario and experiment JSON Schemas (for editor autocompletion)")
    .option("--out <file>", "where to write the scenario's", "scenarios/scenario.schema.json")
    .option(
      "--experiment-out <file>",
      "where to write the experiment's",
      "experiments/experiment.schema.json",
    )
    .option("--check", "exit 1 if a file is not up to date")
    .action(async (opts) => {
      await schemaCommand(opts);
      await schemaCommand({ out: opts.experimentOut, check: opts.check }, experimentSchemaText());
    });

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
    if (fs.some((k) => e instanceof k)) {
      console.error(`vecscene: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
