/**
 * @fileoverview Runs the real WSO2 Synapse engine (`synapse-engine.jar`, a Java 17 command-line
 * driver around wso2-synapse, wso2-axis2 and wso2-axiom) on generated artefacts: `run` injects a
 * message into a sequence and reports what the client got, what every server received and the
 * endpoint states; `check` builds artefact files with Synapse's own factories. The engine is the
 * oracle for every claim this package makes about gateway behaviour.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';

export interface EngineLocation {
  jar: string;
  java: string;
}

/**
 * Finds `synapse-engine.jar` under `sharedDir/synapse-engine/` and a `java` on the path.
 * @returns the location, or the reason it cannot be used (for a skip message).
 */
export function findEngine(sharedDir: string): EngineLocation | { missing: string } {
  const jar = join(sharedDir, 'synapse-engine', 'synapse-engine.jar');
  if (!existsSync(jar)) return { missing: `${jar} does not exist (the shared folder is not beside this clone)` };
  const java = process.env.JAVA ?? 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { missing: `no Java runtime (\`${java} -version\` failed: ${probe.error?.message ?? probe.stderr.trim()})` };
  }
  return { jar, java };
}

/** What `run` reports for one injected message (the fields the tests read; see the engine README). */
export interface EngineResult {
  index: number;
  continued: boolean;
  faultSequenceRan: boolean;
  faultSequence: string | null;
  respond?: {
    called: boolean;
    count: number;
    status: number | string | null;
    body: string;
    contentType: string | null;
    headers: Record<string, string>;
  };
  final: {
    contentType: string | null;
    HTTP_SC: number | string | null;
    body: string;
    properties: Record<string, unknown>;
    axis2Properties: Record<string, unknown>;
    transportHeaders: Record<string, string>;
  };
  outbound: Array<{
    server: number;
    method: string;
    url: string;
    path: string;
    headers: Record<string, string>;
    body: string;
    respondedStatus: number;
  }>;
  logs: string[];
  engineLog: string[];
  endpoints: Record<string, unknown>;
  elapsedMs: number;
}

export interface EngineRunOutput {
  artifacts: string[];
  setupLog: string[];
  setupError?: string;
  error?: string;
  results: EngineResult[];
}

export interface EngineCheckOutput {
  files: Array<{
    path: string;
    kind: string;
    name: string | null;
    ok: boolean | null;
    error: string | null;
    rootCause?: string;
    log?: string[];
  }>;
  ok: number;
  failed: number;
  unknown: number;
}

function exec(
  engine: EngineLocation,
  args: string[],
  input: string | undefined,
  timeoutMs: number,
  env: Record<string, string> = {},
  launch: string[] = ['-jar', engine.jar],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine.java, ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', ...launch, ...args], {
      env: { ...process.env, ...env, SYNAPSE_ENGINE_STDERR_LEVEL: 'OFF' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`synapse-engine ${args[0]} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0 && stdout.trim() === '') {
        reject(
          new Error(`synapse-engine ${args[0]} exited ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`),
        );
        return;
      }
      resolve(stdout);
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * Runs a SPEC (see the engine README: artefacts, configProperties, secureVault, sequence, flow,
 * message, repeat, servers). Artefact paths must be absolute.
 * @throws {Error} when the engine cannot run or reports an internal failure.
 */
export async function runEngine(
  engine: EngineLocation,
  spec: Record<string, unknown>,
  timeoutMs = 60_000,
): Promise<EngineRunOutput> {
  const stdout = await exec(engine, ['run', '-'], JSON.stringify(spec), timeoutMs);
  const parsed = JSON.parse(stdout) as EngineRunOutput & { error?: string };
  if (parsed.results === undefined) {
    throw new Error(`synapse-engine run failed: ${parsed.setupError ?? parsed.error ?? stdout.slice(0, 2000)}`);
  }
  return parsed;
}

/**
 * Builds each artefact file with Synapse's factories, as Micro Integrator's deployers do.
 * `env` is the environment `$SYSTEM:` values resolve from (as on the server at deployment).
 */
export async function checkWithEngine(
  engine: EngineLocation,
  paths: readonly string[],
  options: { configPropertiesFile?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<EngineCheckOutput> {
  const props = options.configPropertiesFile;
  const args = ['check', ...(props ? ['--config-properties', props] : []), ...paths];
  return JSON.parse(await exec(engine, args, undefined, options.timeoutMs ?? 60_000, options.env)) as EngineCheckOutput;
}

/** One conversion for {@link convertWithEngine}. */
export interface EngineConvertCase {
  id: string;
  direction: 'json2xml' | 'xml2json';
  input: string;
  /** json2xml: `JsonUtil.toXml(in, pis)`'s second argument (ignored with `viaMessage`). */
  pis?: boolean;
  /** Builder plus formatter, the path a message takes through Micro Integrator. */
  viaMessage?: boolean;
  /**
   * json2xml: builder, then a mediator reads the payload (expanding the JSON into an XML tree, as
   * XPath, enrich or payloadFactory do), then the XML formatter: the XML that mediation works on.
   */
  mediated?: boolean;
}

export type EngineConvertResult = { id: string; ok: true; output: string } | { id: string; ok: false; error: string };

/**
 * Converts many documents with WSO2's own `JsonUtil` in one engine process (the engine driver's
 * `convert`, run by `engine/ConvertBatch.java`). Synapse reads `synapse.properties` once, so one call
 * serves one property set.
 * @param properties synapse.properties entries in force for every case.
 * @returns one result per case, in order.
 */
export async function convertWithEngine(
  engine: EngineLocation,
  cases: readonly EngineConvertCase[],
  properties: Readonly<Record<string, string>> = {},
  timeoutMs = 120_000,
): Promise<EngineConvertResult[]> {
  const script = resolvePath(__dirname, '..', 'engine', 'ConvertBatch.java');
  const args = Object.entries(properties).flatMap(([k, v]) => ['--prop', `${k}=${v}`]);
  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const stdout = await exec(engine, args, input, timeoutMs, {}, ['-cp', engine.jar, script]);
  const results = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EngineConvertResult);
  if (results.length !== cases.length) {
    throw new Error(`synapse-engine conversion answered ${results.length} of ${cases.length} cases`);
  }
  return results;
}
