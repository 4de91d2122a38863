/**
 * Rendering figures headless: Vega-Lite compiled to Vega, drawn to an SVG
 * string by Vega's string renderer (no browser, no canvas: text is measured
 * by Vega's estimate, so the SVG is the same on every machine), and the SVG
 * rasterised to PNG by resvg compiled to WebAssembly, with a system font.
 *
 * @module
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import type { VegaLiteSpec } from "./charts.ts";

/** Renders a Vega-Lite specification to SVG text. Equal specifications give equal text. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // deno-lint-ignore no-explicit-any
  const compiled = compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    // Clip and gradient ids count from one in every SVG, not across the process.
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Sans-serif fonts looked for, with their family names (Debian's fonts-dejavu-core first). */
const FONTS: [path: string, family: string][] = [
  ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVu Sans"],
  ["/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "Liberation Sans"],
  ["/usr/share/fonts/TTF/DejaVuSans.ttf", "DejaVu Sans"],
  ["/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVu Sans"],
  ["/System/Library/Fonts/Supplemental/Arial.ttf", "Arial"],
];

let wasmReady: Promise<void> | undefined;

/** Rasterises SVG figures to PNG at twice their size. */
export class PngRenderer {
  readonly #font: Uint8Array;
  readonly #family: string;

  private constructor(font: Uint8Array, family: string) {
    this.#font = font;
    this.#family = family;
  }

  /** A renderer, or the reason why none can be made here (no font, no WebAssembly module). */
  static async open(): Promise<PngRenderer | { reason: string }> {
    let found: [Uint8Array, string] | undefined;
    for (const [path, family] of FONTS) {
      try {
        found = [await Deno.readFile(path), family];
        break;
      } catch { /* try the next */ }
    }
    if (!found) {
      return { reason: "no sans-serif font found (Debian: apt-get install fonts-dejavu-core)" };
    }
    try {
      wasmReady ??= Deno.readFile(new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm")))
        .then((bytes) => initWasm(bytes));
      await wasmReady;
    } catch (e) {
      wasmReady = undefined;
      return { reason: `the resvg WebAssembly module cannot be loaded: ${(e as Error).message}` };
    }
    return new PngRenderer(...found);
  }

  /** The PNG of an SVG. */
  render(svg: string): Uint8Array {
    const r = new Resvg(svg, {
      fitTo: { mode: "zoom", value: 2 },
      font: {
        fontBuffers: [this.#font],
        loadSystemFonts: false,
        defaultFontFamily: this.#family,
        sansSerifFamily: this.#family,
      },
    });
    const image = r.render();
    try {
      return image.asPng();
    } finally {
      image.free();
      r.free();
    }
  }
}
