/**
 * The railroad diagrams of the grammar (docs/syntax-diagrams.html). The page
 * loads chevrotain's diagram scripts from docs/assets/chevrotain-diagrams/,
 * copied from the chevrotain package, so it works offline.
 */
import { createSyntaxDiagramsCode } from 'chevrotain';
import { seqnetParser } from './parser.js';

/** Where the vendored scripts live, relative to docs/syntax-diagrams.html. */
export const DIAGRAM_ASSETS = 'assets/chevrotain-diagrams/';

export function syntaxDiagramsHtml(): string {
  const grammar = seqnetParser().getSerializedGastProductions();
  return createSyntaxDiagramsCode(grammar, {
    resourceBase: DIAGRAM_ASSETS,
    css: `${DIAGRAM_ASSETS}diagrams.css`,
  });
}
