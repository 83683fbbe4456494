#!/usr/bin/env node
/**
 * Compiles and runs the TypeScript examples of the documentation, as a reader would paste them,
 * so that an example that drifts from the API fails the build.
 *
 * 1. Extracts every ```ts block of README.md and docs/**\/*.md (or of the Markdown files given as
 *    arguments).
 * 2. A block is a **program** unless its first line is a `// Fragment` comment. A program must be
 *    complete: it is type-checked on its own, as a `.mts` file of a consumer project that
 *    imports `dynamo-dlm` by its name (resolved to this repository's built package: its
 *    `exports` and the shipped `.d.ts` files), with the repository's strict compiler options.
 *    Then it is compiled and run with Node against a fresh embedded DynamoDB (dynalite, with the
 *    lock table created, as `dynamo-dlm local` provides it), with the environment the README
 *    tells the reader to set, and must exit 0 within a minute.
 * 3. A **fragment** (first line `// Fragment: what it assumes`) is type-checked only, with the
 *    names that test/docs/.context/fragments.d.ts declares in scope: the package's exports, a
 *    `client`, a `lock`, an `election`, and stand-ins for the reader's own functions.
 *
 * Markdown files whose blocks another change is rewriting are listed in PENDING below, with the
 * reason; they are reported as skipped, never silently.
 *
 * Usage: node scripts/check-examples.mjs [--skip-build] [--keep] [--no-run] [--verbose] [file.md ...]
 * (`--verbose` prints what each program printed.)
 * Prints `ok - ` / `not ok - ` lines; exit code 0 when every block passed, 1 otherwise.
 * test/docs/examples.test.ts runs it inside `npm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The SDK's notice about future Node versions says nothing about the examples.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const given = args.filter((a) => !a.startsWith('--'));

/** Documents whose examples another change rewrites: skipped, and said so, until it lands. */
const PENDING = {};

/** How long a program may run: the examples are meant to finish in seconds. */
const RUN_TIMEOUT_MS = 60_000;

const FRAGMENT = /^\/\/ Fragment\b/;

/** Every ```ts block of one Markdown text, with the line of its first code line (1-based). */
function extractBlocks(markdown, file) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    const code = `${body.join('\n')}\n`;
    blocks.push({ file, line: i + 2, code, kind: FRAGMENT.test(body[0] ?? '') ? 'fragment' : 'program' });
    i = j;
  }
  return blocks;
}

function markdownFiles() {
  if (given.length > 0) return given.map((f) => relative(root, resolve(f)));
  const found = ['README.md'];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found.sort();
}

/** The compiler options of the repository (tsconfig.json), as a strict consumer would set them. */
function compilerOptions(extra) {
  const own = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions;
  const { rootDir, outDir, declaration, sourceMap, ...strict } = own;
  return { ...strict, module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, ...extra };
}

/**
 * A consumer project whose node_modules holds this package under its name (a link to the
 * repository, so its `exports` and built `.d.ts` files are what resolve) and links to the
 * repository's own dependencies (the SDK, dynalite, @types/node).
 */
function consumerProject(work) {
  const modules = join(work, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', entry), join(modules, entry), 'junction');
  }
  symlinkSync(root, join(modules, 'dynamo-dlm'), 'junction');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'examples', private: true }, null, 2));
}

function fileName(block) {
  return `${block.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.mts`;
}

/** Runs tsc; returns its diagnostics by example file name, with Markdown positions. */
function typeCheck(work, project, blocks) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['-p', project, '--pretty', 'false'], { cwd: work, encoding: 'utf8' });
  if (result.error) throw result.error;
  const byFile = new Map(blocks.map((b) => [fileName(b), b]));
  const errors = new Map();
  for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
    const match = /^(?:[^(]*\/)?([^/(]+\.mts)\((\d+),(\d+)\): (.*)$/.exec(line);
    const block = match && byFile.get(match[1]);
    if (block) {
      const at = `${block.file}:${block.line + Number(match[2]) - 1}:${match[3]}`;
      errors.set(block, [...(errors.get(block) ?? []), `${at}: ${match[4]}`]);
    } else if (/error TS/.test(line)) {
      // An error outside the examples (the context file, the package's types) fails them all.
      for (const b of blocks) errors.set(b, [...(errors.get(b) ?? []), line]);
    }
  }
  return errors;
}

/** Runs one compiled program against a fresh embedded DynamoDB; resolves with what happened. */
async function runProgram(startLocalDynamo, script, cwd) {
  const local = await startLocalDynamo();
  try {
    const env = {
      ...process.env,
      // What `dynamo-dlm local` prints, and the README tells the reader to export.
      AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    return await new Promise((done) => {
      const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        done({ code, signal, output });
      });
    });
  } finally {
    await local.stop();
  }
}

const indent = (text) => String(text).trim().replace(/^/gm, '    ');

let passed = 0;
let failed = 0;
function report(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? `\n${indent(detail)}` : ''}`);
}

const work = mkdtempSync(join(tmpdir(), 'dynamo-dlm-examples-'));
try {
  if (!flags.has('--skip-build')) {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed\n${build.stdout}\n${build.stderr}`);
  }
  const blocks = [];
  for (const file of markdownFiles()) {
    const found = extractBlocks(readFileSync(join(root, file), 'utf8'), file);
    if (PENDING[file] !== undefined) {
      if (found.length > 0) console.log(`# skipped ${file} (${found.length} blocks): ${PENDING[file]}`);
      continue;
    }
    blocks.push(...found);
  }
  const programs = blocks.filter((b) => b.kind === 'program');
  const fragments = blocks.filter((b) => b.kind === 'fragment');
  console.log(`# ${blocks.length} TypeScript blocks: ${programs.length} programs, ${fragments.length} fragments`);

  consumerProject(work);
  for (const [dir, list] of [
    ['programs', programs],
    ['fragments', fragments],
  ]) {
    mkdirSync(join(work, dir));
    for (const b of list) writeFileSync(join(work, dir, fileName(b)), b.code);
  }
  copyFileSync(join(root, 'test', 'docs', '.context', 'fragments.d.ts'), join(work, 'fragments', 'context.d.ts'));
  writeFileSync(
    join(work, 'tsconfig.programs.json'),
    JSON.stringify({ compilerOptions: compilerOptions({ outDir: 'out', rootDir: 'programs' }), include: ['programs'] }),
  );
  writeFileSync(
    join(work, 'tsconfig.fragments.json'),
    JSON.stringify({ compilerOptions: compilerOptions({ noEmit: true }), include: ['fragments'] }),
  );

  const programErrors = programs.length > 0 ? typeCheck(work, 'tsconfig.programs.json', programs) : new Map();
  const fragmentErrors = fragments.length > 0 ? typeCheck(work, 'tsconfig.fragments.json', fragments) : new Map();

  for (const b of fragments) {
    const errors = fragmentErrors.get(b);
    report(!errors, `${b.file}:${b.line} (fragment) type-checks`, errors?.join('\n'));
  }
  const { startLocalDynamo } = await import(pathToFileURL(join(root, 'dist', 'testing.js')).href);
  for (const b of programs) {
    const errors = programErrors.get(b);
    if (errors) {
      report(false, `${b.file}:${b.line} (program) type-checks`, errors.join('\n'));
      continue;
    }
    if (flags.has('--no-run')) {
      report(true, `${b.file}:${b.line} (program) type-checks`);
      continue;
    }
    const started = Date.now();
    const script = join(work, 'out', fileName(b).replace(/\.mts$/, '.mjs'));
    const { code, signal, output } = await runProgram(startLocalDynamo, script, work);
    const ms = Date.now() - started;
    report(
      code === 0,
      `${b.file}:${b.line} (program) type-checks and runs (${ms} ms)`,
      code === 0
        ? flags.has('--verbose')
          ? output
          : undefined
        : `${signal ? `killed (${signal}) after ${ms} ms` : `exit ${code}`}\n${output}`,
    );
  }
} catch (error) {
  failed++;
  console.log(`not ok - setup\n${indent(error?.stack ?? error)}`);
} finally {
  if (flags.has('--keep')) console.log(`# kept ${work}`);
  else if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}

console.log(`# examples check: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
