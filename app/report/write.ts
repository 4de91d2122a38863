/**
 * `report`: merges experiment output folders and writes `results.csv`,
 * `summary.csv`, one chart per figure under `figures/` (`<id>.svg`,
 * `<id>.png` where a font and the WebAssembly renderer are available, and
 * the `<id>.vl.json` specification to edit) and `report.html`, each
 * atomically. The same cells give byte-identical CSV and SVG files.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../engine/output/atomic.ts";
import { VERSION } from "../../engine/version.ts";
import { figureSpec } from "./charts.ts";
import { reportHtml } from "./html.ts";
import { computeMargin, type Margin } from "./margin.ts";
import { type Merged, mergeFolders } from "./merge.ts";
import { PngRenderer, renderSvg } from "./render.ts";
import { summarize, summaryCsv } from "./summary.ts";
import { compareText, resultsCsv, tidyRows } from "./tidy.ts";

/** Options of {@linkcode writeReport}. */
export interface ReportOptions {
  /** Where to write (default: the first folder). */
  out?: string;
  /** Render PNGs too where possible (default true). */
  png?: boolean;
}

/** What a report wrote. */
export interface ReportResult {
  merged: Merged;
  out: string;
  files: string[];
  margins: Margin[];
  /** Why no PNG was written, where none was. */
  pngSkipped?: string;
}

/** The policies' labels in the experiment's order (its `policies`, else the manifest's). */
function policyLabels(m: Merged): string[] {
  const listed = Array.isArray(m.experiment.policies) ? m.experiment.policies : [];
  const labels = listed.map((p) => (p as { label?: unknown })?.label)
    .filter((l): l is string => typeof l === "string");
  return [...new Set([...labels, ...m.manifest.map((c) => c.policy.label)])];
}

/** Merges `dirs` and writes the report; throws a `UserError` for a bad folder. */
export async function writeReport(
  dirs: readonly string[],
  o: ReportOptions = {},
): Promise<ReportResult> {
  const merged = await mergeFolders(dirs);
  const out = o.out ?? dirs[0];
  const { experiment } = merged;
  const vary = experiment.vary;
  const rows = tidyRows(vary, merged.done);
  const summary = summarize(vary, rows);
  const files: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(out, name), data);
    files.push(name);
  };
  await write("results.csv", resultsCsv(vary, rows));
  await write("summary.csv", summaryCsv(vary, summary));

  const policyOrder = policyLabels(merged);
  const png = o.png === false ? { reason: "not asked for" } : await PngRenderer.open();
  const figures = [];
  for (const f of experiment.figures) {
    const spec = figureSpec(f, vary, summary, policyOrder);
    const svg = await renderSvg(spec);
    await write(`figures/${f.id}.vl.json`, JSON.stringify(spec, null, 2) + "\n");
    await write(`figures/${f.id}.svg`, svg);
    if (png instanceof PngRenderer) await write(`figures/${f.id}.png`, png.render(svg));
    const caption = f.caption;
    figures.push({ id: f.id, title: f.title, caption, svg, png: png instanceof PngRenderer });
  }
  const byId = new Map(experiment.figures.map((f) => [f.id, f]));
  const margins = experiment.reference.map((r) => computeMargin(r, byId.get(r.figure), rows));
  const cellVersions = [...new Set(merged.done.map((c) => c.version))].sort(compareText);
  await write(
    "report.html",
    reportHtml({
      experiment,
      figures,
      margins,
      summary,
      cells: {
        total: merged.manifest.length,
        done: merged.done.length,
        failed: merged.failed,
        missing: merged.missing,
      },
      version: VERSION,
      cellVersions,
      folders: [...dirs],
    }),
  );
  const result: ReportResult = { merged, out, files, margins };
  if (!(png instanceof PngRenderer) && experiment.figures.length) result.pngSkipped = png.reason;
  return result;
}
