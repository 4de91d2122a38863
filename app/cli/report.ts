/**
 * `report`: merges the output folders of an experiment (one folder, or the
 * shards of a Slurm array or of several machines) and writes `results.csv`,
 * `summary.csv`, the figures and `report.html` into `--out` (default: the
 * first folder). Prints what it wrote, the failed and missing cells, and our
 * margins beside the paper's.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { checkPathFlag } from "./flags.ts";

/** The `report` command and its flags, declared once. */
function declare() {
  return new Command("report")
    .description(
      "Merge experiment output folders (shards, machines) into results.csv, summary.csv, " +
        "figures and report.html",
    )
    .argument("<dirs...>", "experiment output folders (deno task experiment --out DIR)")
    .option("-o, --out <dir>", "where to write the report (default: the first folder)")
    .option("--no-png", "write SVG figures only")
    .option("-q, --quiet", "print nothing but errors");
}

/** Options of `report`, as commander parses them. */
export type ReportCommandOptions = Partial<ReturnType<ReturnType<typeof declare>["opts"]>>;

/** `report`, ready to add to the program. */
export const reportCli = () => declare().action(reportCommand);

/** Runs `report` on `dirs`; throws a `UserError` for a missing or foreign folder. */
export async function reportCommand(dirs: string[], o: ReportCommandOptions = {}): Promise<void> {
  checkPathFlag("dir", dirs);
  checkPathFlag("--out", o.out);
  // Loaded on demand: Vega is needed by this command only.
  const { writeReport } = await import("../report/write.ts");
  const r = await writeReport(dirs, { out: o.out, png: o.png });
  if (o.quiet) return;
  const m = r.merged;
  console.log(
    `${m.experiment.name}: ${m.done.length} of ${m.manifest.length} cells done, ` +
      `${m.failed.length} failed, ${m.missing.length} not run yet (${dirs.length} folder(s))`,
  );
  for (const f of m.failed) {
    console.log(`  failed: ${f.hash} (${f.kind} ${f.policy.label}): ${f.error ?? "no message"}`);
  }
  if (m.stale.length) {
    console.log(`  ${m.stale.length} cell file(s) no manifest lists were left out`);
  }
  for (const g of r.margins) console.log(`  ${g.reference.id}: ${g.verdict}`);
  if (r.pngSkipped) console.log(`  no PNG figures: ${r.pngSkipped}`);
  console.log(`report: ${r.out}/report.html (${r.files.length} files)`);
}
