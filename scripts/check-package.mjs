#!/usr/bin/env node
/**
 * Checks the package the way a consumer receives it, not the way the repository sees it:
 *
 * 1. builds `dist/` and packs the tarball with `npm pack` (into a temporary directory; with
 *    `--ignore-scripts`, so that `prepack` does not rebuild under `--skip-build`);
 * 2. checks the manifest (ESM-only, `sideEffects: false`, engines, peers, zero runtime
 *    dependencies) and the tarball's file list (everything `exports` and `bin` name, no tests,
 *    sources, source maps, or stale output without a source), and that every relative link of
 *    the shipped Markdown (README.md and docs/, which ship so that the README's links resolve
 *    in the installed package) names a shipped file and, with `#`, one of its headings;
 * 3. installs the tarball into a throwaway project (from the npm cache where possible) and
 *    - walks every `.d.ts` file reachable from the `exports` entries: none may reach or name a
 *      test seam (users must not see, let alone depend on, how the tests inject time),
 *    - imports it from ESM and runs a real lock cycle on dynalite through `dynamo-dlm/testing`,
 *    - `require()`s it from CommonJS (Node 20.19+ require(esm)),
 *    - type-checks a small consumer with `moduleResolution` node16 and bundler, and a CommonJS
 *      `.cts` file with nodenext, against the shipped `.d.ts` files (`skipLibCheck` off),
 *    - runs every `bin` with `--help`;
 *    all of that without `@opentelemetry/api` (an optional peer, which npm does not install), and
 *    checks that only `dynamo-dlm/opentelemetry` needs it; then installs the API and the SDK and
 *    checks that entry: a lock cycle recorded into the SDK's in-memory exporters from ESM,
 *    `require()` from CommonJS, and its types under node16, bundler and nodenext (`.cts`);
 * 4. runs `publint --strict` and `attw --profile esm-only` on the same tarball.
 *
 * Why `--profile esm-only` for attw: the package is ESM-only on purpose. That profile skips the
 * `node10` resolution (removed from TypeScript 7) and the "CJS importing ESM" warning, which is
 * about old Node versions; step 3 proves that `require()` works on the Node versions we support
 * and that TypeScript accepts it under `module: nodenext`.
 *
 * The consumer fixtures live in test/package/.consumer/ (a dot-directory, so the repository's own
 * tsc and vitest globs skip them: they import `dynamo-dlm` by its package name).
 *
 * Usage: node scripts/check-package.mjs [--skip-build] [--keep]
 * Exit code 0 when every check passed, 1 otherwise. test/package/package.test.ts runs it in CI.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'package', '.consumer');
const toolBin = (name) => join(root, 'node_modules', '.bin', name);
const flags = new Set(process.argv.slice(2));

/** npm settings inherited from an outer `npm run` must not steer the consumer's install. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
);

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, env: cleanEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`\`${command} ${args.join(' ')}\` exited with ${result.status}\n${output}`);
  }
  return result.stdout;
}

/** A heading's anchor as GitHub (and npm) make it: lower case, no punctuation, spaces to dashes. */
function slug(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings, outside code blocks, with GitHub's -1, -2 for repeats. */
function anchorsOf(text) {
  const anchors = new Set();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** The relative links of one shipped Markdown file that name no shipped file or heading. */
function brokenLinks(path, files) {
  const text = readFileSync(join(root, path), 'utf8').replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  const broken = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const [file, anchor] = target.split('#');
    const resolved = file === '' ? path : normalize(dir + file);
    const exists = files.has(resolved) || [...files].some((f) => f.startsWith(`${resolved}/`));
    if (!exists) broken.push(`${path}: ${target} (no ${resolved} in the package)`);
    else if (anchor !== undefined && resolved.endsWith('.md')) {
      if (!anchorsOf(readFileSync(join(root, resolved), 'utf8')).has(anchor)) {
        broken.push(`${path}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
  }
  return broken;
}

/** `a/b/../c` as `a/c`. */
function normalize(path) {
  const parts = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

const versionOf = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

let passed = 0;
let failed = 0;
function check(name, fn) {
  const started = Date.now();
  try {
    const detail = fn();
    passed++;
    console.log(`ok - ${name}${detail ? `: ${detail}` : ''} (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}\n${String(error?.message ?? error).replace(/^/gm, '    ')}`);
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * Every `.d.ts` file a consumer's compiler can reach from `entries` (paths relative to `dir`):
 * the entries and, transitively, each relative module they import or re-export. Returns each
 * file's path (relative to `dir`) with its text.
 */
function reachableDeclarations(dir, entries) {
  const found = new Map();
  const pending = entries.map((entry) => join(dir, entry));
  while (pending.length > 0) {
    const file = pending.pop();
    const name = relative(dir, file);
    if (found.has(name)) continue;
    const text = readFileSync(file, 'utf8');
    found.set(name, text);
    const specifiers = text.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|<reference\s+path=)['"](\.{1,2}\/[^'"]+)['"]/g,
    );
    for (const [, specifier] of specifiers) {
      pending.push(join(dirname(file), specifier.replace(/\.js$/, '.d.ts').replace(/\.mjs$/, '.d.mts')));
    }
  }
  return found;
}

/**
 * The test seams (a `Clock` attached to an options object, a stand-in lock attached to an
 * election's) must stay out of every type a user can reach: the modules that define them, and
 * their names in declarations (TSDoc prose may speak of a clock).
 */
const SEAM_MODULES = /(^|\/)(runtime\/clock|runtime\/test-seam|election\/test-seam)\.d\.ts$/;
const SEAM_NAMES = /\b(Clock|withClock|clockOf|ElectionLock|withElectionLock|electionLockOf)\b/;

/** Where `text` (the declaration file `file`) shows a seam, as `file:line: what`. */
function seamMentions(file, text) {
  if (SEAM_MODULES.test(file)) return [`${file}: a seam module is reachable`];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
  return code
    .split('\n')
    .map((line, i) => (SEAM_NAMES.test(line) ? `${file}:${i + 1}: ${line.trim()}` : undefined))
    .filter((mention) => mention !== undefined);
}

const work = mkdtempSync(join(tmpdir(), 'dynamo-dlm-package-'));
try {
  // --- build and pack (setup: a failure here stops the run) ---------------------------------
  if (!flags.has('--skip-build')) run('npm', ['run', 'build', '--silent'], root);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root))[0];
  const tarball = join(work, packed.filename);
  const files = new Set(packed.files.map((f) => f.path));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const bins = Object.entries(manifest.bin ?? {});
  console.log(`# packed ${packed.filename}: ${files.size} files, ${packed.size} bytes`);

  // --- manifest and file list ---------------------------------------------------------------
  check('manifest: ESM-only, side-effect free, engines, peers, no runtime dependencies', () => {
    expect(manifest.type === 'module', 'type must be "module"');
    expect(manifest.sideEffects === false, 'sideEffects must be false');
    expect(/^>=\s*20/.test(manifest.engines?.node ?? ''), 'engines.node must be >=20');
    expect(Object.keys(manifest.dependencies ?? {}).length === 0, 'there must be no runtime dependencies');
    expect(manifest.peerDependencies?.['@aws-sdk/client-dynamodb'] === '^3.0.0', 'peer @aws-sdk/client-dynamodb ^3');
    expect(manifest.peerDependenciesMeta?.dynalite?.optional === true, 'dynalite must be an optional peer');
    expect(/^\^1\./.test(manifest.peerDependencies?.['@opentelemetry/api'] ?? ''), 'peer @opentelemetry/api ^1');
    expect(
      manifest.peerDependenciesMeta?.['@opentelemetry/api']?.optional === true,
      '@opentelemetry/api must be an optional peer',
    );
    for (const entry of ['.', './testing', './opentelemetry']) {
      const target = manifest.exports?.[entry];
      expect(target?.types && target?.default, `exports["${entry}"] needs types and default`);
      expect(Object.keys(target)[0] === 'types', `exports["${entry}"].types must come first`);
    }
  });

  check('tarball: holds what exports and bin name, and nothing else', () => {
    const required = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];
    for (const target of Object.values(manifest.exports)) {
      for (const path of typeof target === 'string' ? [target] : Object.values(target)) required.push(path);
    }
    for (const [, path] of bins) required.push(path);
    const missing = required.map((p) => p.replace(/^\.\//, '')).filter((p) => !files.has(p));
    expect(missing.length === 0, `missing from the tarball: ${missing.join(', ')}`);
    const forbidden = [...files].filter(
      (p) => /^(src|test|scripts|bench|coverage|\.ci)\//.test(p) || /\.map$|\.test\.|tsconfig/.test(p),
    );
    expect(forbidden.length === 0, `must not ship: ${forbidden.slice(0, 10).join(', ')}`);
    // `tsc` never deletes: output of a renamed or removed source would ship unnoticed.
    const stale = [...files].filter(
      (p) => /^dist\/.*\.js$/.test(p) && !existsSync(join(root, p.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))),
    );
    expect(
      stale.length === 0,
      `stale build output (no source; run \`rm -rf dist && npm run build\`): ${stale.join(', ')}`,
    );
    return `${files.size} files`;
  });

  check('Markdown links: every relative link of the shipped docs resolves inside the package', () => {
    const markdown = [...files].filter((p) => p.endsWith('.md'));
    const broken = markdown.flatMap((path) => brokenLinks(path, files));
    expect(broken.length === 0, `broken links:\n${broken.join('\n')}`);
    if (manifest.repository === undefined) {
      // npmjs.com resolves a README's relative links against `repository` only.
      console.log('# note: package.json has no `repository`: on npmjs.com the README links stay dead until it has one');
    }
    return `${markdown.length} files`;
  });

  // --- a throwaway consumer project ---------------------------------------------------------
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'dynamo-dlm-consumer', private: true, type: 'module' }, null, 2),
  );
  for (const file of [
    'esm.mjs',
    'cjs.cjs',
    'consumer.ts',
    'consumer-cjs.cts',
    'without-otel.mjs',
    'otel.mjs',
    'otel.cjs',
    'otel.ts',
    'otel-cjs.cts',
  ]) {
    copyFileSync(join(fixtures, file), join(consumer, file));
  }
  // Same versions as the repository's, so that npm finds them in its cache.
  const install = (specs) =>
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...specs],
      consumer,
    );
  /** Runs a fixture that prints its result as JSON on its last line; fails unless `ok`. */
  const result = (file) => {
    const out = JSON.parse(run('node', [file], consumer).trim().split('\n').pop());
    expect(out.ok === true, `unexpected result ${JSON.stringify(out)}`);
    return out;
  };
  install([
    tarball,
    ...['@aws-sdk/client-dynamodb', 'dynalite', '@types/node'].map((name) => `${name}@${versionOf(name)}`),
  ]);
  console.log('# installed the tarball into a throwaway project');

  check('published types: no test seam reachable from the entries', () => {
    const installed = join(consumer, 'node_modules', manifest.name);
    const entries = Object.values(manifest.exports)
      .map((target) => (typeof target === 'string' ? undefined : target.types))
      .filter((path) => path !== undefined);
    const reachable = reachableDeclarations(installed, entries);
    const found = [...reachable].flatMap(([file, text]) => seamMentions(file, text));
    expect(found.length === 0, `the test seam shows in the published types:\n${found.join('\n')}`);
    return `${reachable.size} .d.ts files reachable`;
  });

  check('ESM import: named exports and a lock cycle on dynalite', () => {
    const out = result('esm.mjs');
    expect(out.tokens[1] > out.tokens[0], `unexpected result ${JSON.stringify(out)}`);
    return `${out.exports} exports, tokens ${out.tokens.join(' < ')}`;
  });

  check('CommonJS require (require(esm)), dynalite not loaded at import', () => {
    return `${result('cjs.cjs').exports} exports on Node ${process.versions.node}`;
  });

  const tsconfigs = {
    node16: { module: 'node16', moduleResolution: 'node16', files: ['consumer.ts'] },
    bundler: { module: 'preserve', moduleResolution: 'bundler', files: ['consumer.ts'] },
    'nodenext (CommonJS .cts)': { module: 'nodenext', moduleResolution: 'nodenext', files: ['consumer-cjs.cts'] },
  };
  const typeCheck = (label, configs) => {
    for (const [name, { files: sources, ...options }] of Object.entries(configs)) {
      check(`${label}, moduleResolution ${name}`, () => {
        const path = join(consumer, `tsconfig.${label.split(' ')[0]}.${name.split(' ')[0]}.json`);
        const compilerOptions = { ...options, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false };
        writeFileSync(
          path,
          JSON.stringify({ compilerOptions: { ...compilerOptions, types: ['node'] }, files: sources }),
        );
        run(toolBin('tsc'), ['-p', path], consumer);
      });
    }
  };
  typeCheck('TypeScript consumer', tsconfigs);

  // --- the OpenTelemetry entry: without its optional peer, then with it ----------------------
  check('without @opentelemetry/api: the main entries work, only dynamo-dlm/opentelemetry needs it', () => {
    return result('without-otel.mjs').missing;
  });
  install(
    ['@opentelemetry/api', '@opentelemetry/sdk-metrics', '@opentelemetry/sdk-trace-base'].map(
      (name) => `${name}@${versionOf(name)}`,
    ),
  );
  console.log('# installed @opentelemetry/api and the SDK');
  check('opentelemetry ESM import: a lock cycle recorded into the SDK', () => {
    const out = result('otel.mjs');
    return `${out.metrics} metrics, ${out.spans} spans`;
  });
  check('opentelemetry CommonJS require (require(esm))', () => {
    result('otel.cjs');
  });
  typeCheck('opentelemetry TypeScript consumer', {
    node16: { ...tsconfigs.node16, files: ['otel.ts'] },
    bundler: { ...tsconfigs.bundler, files: ['otel.ts'] },
    'nodenext (CommonJS .cts)': { ...tsconfigs['nodenext (CommonJS .cts)'], files: ['otel-cjs.cts'] },
  });

  for (const [name] of bins) {
    check(`bin \`${name} --help\` runs from the installed package`, () => {
      const out = run(join(consumer, 'node_modules', '.bin', name), ['--help'], consumer);
      expect(out.trim().length > 0, 'printed no help');
      return out.trim().split('\n')[0];
    });
  }

  // --- linters of published packages -------------------------------------------------------
  check('publint --strict', () => {
    run(toolBin('publint'), ['run', tarball, '--strict'], work);
  });
  check('attw --profile esm-only (are the types wrong?)', () => {
    run(toolBin('attw'), [tarball, '--profile', 'esm-only', '--no-emoji', '--no-color'], work);
  });
} catch (error) {
  failed++;
  console.log(`not ok - setup\n${String(error?.message ?? error).replace(/^/gm, '    ')}`);
} finally {
  if (flags.has('--keep')) console.log(`# kept ${work}`);
  else if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}

console.log(`# package check: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
