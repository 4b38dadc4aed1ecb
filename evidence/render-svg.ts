/**
 * Lays out DOT into SVG offline with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz):
 * no system Graphviz, no network, the same picture on every machine.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';

let graphviz: Promise<Graphviz> | undefined;

export async function renderSvg(dot: string): Promise<string> {
  // Loading the WebAssembly module takes ~100 ms; one instance serves every render of a process.
  graphviz ??= Graphviz.load();
  return (await graphviz).dot(dot, 'svg');
}
