/**
 * Trace-parsing figures for `deno task bench`: writes a synthetic FCD trace
 * of at least 100 MB (SUMO's own layout and attribute set) to a temporary
 * directory, parses it with `readFcd` in a child `deno run` process, and
 * reports the child's parse throughput and its peak resident memory (VmHWM
 * from /proc/self/status, read by the child after parsing).
 *
 * Needs `--allow-run` (the child), `--allow-write` (the temporary file) and
 * `--allow-read`.
 *
 * @module
 */
import { readFcd } from "../engine/mobility/sumo/fcd.ts";

/** Bytes the generated trace must reach. */
const TARGET_BYTES = 100 * 1024 * 1024;

/** Writes a SUMO-like FCD file of at least `targetBytes`; returns its size. */
export async function writeSyntheticFcd(path: string, targetBytes: number): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let bytes = 0;
  const put = async (s: string) => {
    const b = enc.encode(s);
    bytes += b.length;
    let off = 0;
    while (off < b.length) off += await file.write(b.subarray(off));
  };
  try {
    await put(
      '<?xml version="1.0" encoding="UTF-8"?>\n\n<fcd-export xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://sumo.dlr.de/xsd/fcd_file.xsd">\n',
    );
    const vehicles = 200;
    for (let step = 0; bytes < targetBytes; step++) {
      const parts = [`    <timestep time="${(step * 0.1).toFixed(2)}">\n`];
      for (let k = 0; k < vehicles; k++) {
        const id = step + k * 37; // vehicles come and go: ids change over time
        const pos = (step * 2.5 + k * 40) % 3000;
        const x = (1000 + pos * 0.48).toFixed(2);
        const y = (2000 + pos * 0.87 + (k % 3) * 3.2).toFixed(2);
        parts.push(
          `        <vehicle id="flow_${k % 3}.${
            Math.floor(id / 7)
          }" x="${x}" y="${y}" angle="28.95" type="car" speed="${
            (25 + (k % 7) * 0.31).toFixed(2)
          }" pos="${pos.toFixed(2)}" lane="fdr_nb_${k % 3}" slope="0.00"/>\n`,
        );
      }
      parts.push("    </timestep>\n");
      await put(parts.join(""));
    }
    await put("</fcd-export>\n");
  } finally {
    file.close();
  }
  return bytes;
}

/** Peak resident set size of this process (MiB), from /proc/self/status. */
function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error("Cannot read peak memory as /proc/self/status has no VmHWM line");
  return Number(m[1]) / 1024;
}

/** Generates, parses in a child process, and returns the two figures. */
export async function benchTrace(): Promise<Record<string, number>> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-trace-bench-" });
  try {
    const path = `${dir}/big.fcd.xml`;
    await writeSyntheticFcd(path, TARGET_BYTES);
    const self = new URL(import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", "--allow-all", self, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`trace bench child failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const r = JSON.parse(text) as { mbPerS: number; peakRssMb: number };
    return { "trace.mb_per_s": r.mbPerS, "trace.peak_rss_mb": r.peakRssMb };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const path = Deno.args[0];
  if (path === undefined) {
    // standalone: `deno run -A bench/trace.ts` prints the figures
    console.log(JSON.stringify(await benchTrace()));
  } else {
    const size = (await Deno.stat(path)).size;
    const t0 = performance.now();
    const trace = await readFcd(path);
    const seconds = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({
      mbPerS: size / 1e6 / seconds,
      peakRssMb: peakRssMb(),
      records: trace.recX.length,
      bytes: size,
    }));
  }
}
