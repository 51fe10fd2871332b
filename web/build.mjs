// Builds the console into dist/: index.html and content-hashed files under dist/assets/
// ([name]-[hash].js / .css), referenced from index.html. No inline script or style anywhere
// (the server's CSP forbids them). `node build.mjs --watch` is not offered: `npm run dev`
// rebuilds on start.

import * as esbuild from 'esbuild';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const final = path.join(root, 'dist');
// Built next to dist/ and swapped in at the end, so a server reading dist/ meanwhile never
// sees half a build (nor an index.html naming assets not written yet).
const dist = path.join(root, '.dist-build');

await rm(dist, { recursive: true, force: true });
await mkdir(path.join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: path.join(root, 'src/main.jsx') },
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const outputs = Object.keys(result.metafile.outputs).map((p) => path.relative(dist, path.resolve(p)));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
if (!js || !css) throw new Error(`build: expected one .js and one .css, got ${outputs.join(', ')}`);

// Relative URLs: the page is served at /console/ (and works from any prefix ending in a slash).
const template = await readFile(path.join(root, 'src/index.html'), 'utf8');
const html = template
  .replace('<!--CSS-->', `<link rel="stylesheet" href="${css}">`)
  .replace('<!--JS-->', `<script type="module" src="${js}"></script>`);
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /\sstyle=/i.test(html) || /<style/i.test(html)) {
  throw new Error('build: index.html must not hold inline script or style');
}
await writeFile(path.join(dist, 'index.html'), html);
await rm(final, { recursive: true, force: true });
await rename(dist, final);
console.log(`built dist/index.html, ${outputs.join(', ')}`);
