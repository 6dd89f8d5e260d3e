// @ts-check
/**
 * node shared/src/dev/bundle-entry.js <entry.ts> <out.mjs> [<entry.ts> <out.mjs>]...
 *
 * Bundles each TypeScript entry point into one ES module, so that the process runs plain
 * JavaScript rather than loading tsx: `make dev` runs its services and its PostgreSQL process
 * so (scripts/dev/bundles.ts), and a test run the entry points its tests start
 * (shared/src/testing/prebuilt.ts). Plain JavaScript itself, so that running it does not load
 * tsx, the cost it saves.
 *
 * The bundle must behave as the sources run through tsx:
 * - our own modules (relative imports and the @cloud-backend/* workspaces, through the
 *   @cloud-backend/source condition, as `make dev` resolves them) go into the bundle;
 * - every other package stays outside it, imported from the absolute path that resolving it from
 *   the importing source file gives, so that each module gets the same copy of a package (the
 *   gateway's own node_modules included) wherever the bundle lies;
 * - `import.meta.url` keeps naming the source file it is written in, so that migrations,
 *   package.json files and createRequire() are found as from the sources.
 */
import { mkdir, rename, readFile, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, dirname } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const pairs = process.argv.slice(2);
if (pairs.length === 0 || pairs.length % 2 !== 0) {
  process.stderr.write(
    'usage: node bundle-entry.js <entry.ts> <out.mjs> [<entry.ts> <out.mjs>]...\n',
  );
  process.exit(2);
}
/** @type {{ in: string, out: string }[]} */
const entryPoints = [];
const folders = new Set();
for (let i = 0; i < pairs.length; i += 2) {
  const out = pairs[i + 1] ?? '';
  folders.add(dirname(out));
  entryPoints.push({ in: pairs[i] ?? '', out: basename(out, '.mjs') });
}
if (folders.size !== 1) {
  process.stderr.write('bundle-entry: every <out.mjs> must lie in the same folder\n');
  process.exit(2);
}

/** @type {import('esbuild').Plugin} */
const sourceSemantics = {
  name: 'source-semantics',
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.path.startsWith('@cloud-backend/')) {
        return undefined;
      }
      if (isBuiltin(args.path)) return { external: true };
      const found = await bundle.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (found.errors.length > 0) return { errors: found.errors };
      return { path: found.path, external: true };
    });
    bundle.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { loader: 'ts', contents: source.replaceAll('import.meta.url', url) };
    });
  },
};

const result = await build({
  entryPoints,
  outdir: [...folders][0],
  outExtension: { '.js': '.mjs' },
  bundle: true,
  write: false,
  platform: 'node',
  format: 'esm',
  target: `node${process.versions.node}`,
  conditions: ['@cloud-backend/source'],
  // Linked: free unless NODE_OPTIONS=--enable-source-maps asks for stacks in the sources.
  sourcemap: 'linked',
  logLevel: 'silent',
  plugins: [sourceSemantics],
}).catch((/** @type {unknown} */ err) => {
  // esbuild's message lists each error with its file and line; its stack says nothing more.
  process.stderr.write(`bundle-entry: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

await mkdir([...folders][0] ?? '.', { recursive: true });
// Several test files may bundle the same entry at once: each writes its own file and renames it
// into place, so that a process never starts from half a file.
const maps = result.outputFiles.filter((file) => file.path.endsWith('.map'));
const modules = result.outputFiles.filter((file) => !file.path.endsWith('.map'));
for (const file of [...maps, ...modules]) {
  const partial = `${file.path}.${process.pid}.partial`;
  await writeFile(partial, file.contents);
  await rename(partial, file.path);
}
