/**
 * @fileoverview What the sidecar serves: every policy mounted with its configured options, the
 * pipelines composed from them, and every problem with that configuration at once (unknown names,
 * invalid options, failed start-up checks of configured policies, name clashes).
 */
import { mountPolicy, PolicyChain, type MountedPolicy, type Policy, type SaiError } from '@synapse-ai/sdk';
import type { PipelineStep, SidecarConfig } from './config';

/** The policies and pipelines the sidecar serves, by route name. */
export interface Registry {
  readonly chains: ReadonlyMap<string, PolicyChain>;
  readonly policies: readonly Policy[];
  readonly pipelines: ReadonlyMap<string, PolicyChain>;
}

/**
 * Builds the registry, or lists why it cannot be built. Start-up checks (`Policy.check`) run for
 * the policies the configuration names (`policies.<name>` and pipeline steps): a built-in policy
 * that nobody configured is served with its defaults and checked when it is called.
 */
export function collectRegistry(
  policies: readonly Policy[],
  config: Readonly<Pick<SidecarConfig, 'policies' | 'pipelines'>>,
  env: Readonly<Record<string, string | undefined>>,
): { registry: Registry | undefined; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map<string, Policy>();
  for (const p of policies) {
    if (byName.has(p.meta.name)) problems.push(`two policies are named "${p.meta.name}"`);
    byName.set(p.meta.name, p);
  }
  const known = (): string => [...byName.keys()].join(', ');
  const mount = (policy: Policy, options: unknown, where: string, check: boolean): MountedPolicy | undefined => {
    let m: MountedPolicy;
    try {
      m = mountPolicy(policy, options);
    } catch (err) {
      problems.push(`${where}: ${(err as SaiError).message}`);
      return undefined;
    }
    if (check) {
      const found = policy.check(m.options, env);
      for (const p of found) problems.push(`${where}.${p}`);
      if (found.length > 0) return undefined;
    }
    return m;
  };
  const chains = new Map<string, PolicyChain>();
  const configured = config.policies ?? {};
  for (const [name, policy] of byName) {
    const m = mount(policy, configured[name]?.options, `policies.${name}.options`, name in configured);
    if (m) chains.set(name, new PolicyChain(name, [m]));
  }
  for (const name of Object.keys(configured)) {
    if (!byName.has(name)) problems.push(`policies.${name}: no policy is named "${name}". Fix: use one of ${known()}.`);
  }
  const pipelines = new Map<string, PolicyChain>();
  for (const [name, rawSteps] of Object.entries(config.pipelines ?? {})) {
    if (byName.has(name)) {
      problems.push(`pipelines.${name}: a policy already has this name. Fix: rename the pipeline.`);
      continue;
    }
    if (!Array.isArray(rawSteps)) continue; // the schema reports it
    const steps = (rawSteps as Array<string | PipelineStep>).map((s) => (typeof s === 'string' ? { policy: s } : s));
    const mounted = steps.map((step, i) => {
      const policy = typeof step?.policy === 'string' ? byName.get(step.policy) : undefined;
      if (!policy) {
        if (typeof step?.policy === 'string') {
          problems.push(`pipelines.${name}[${i}]: no policy is named "${step.policy}". Fix: use one of ${known()}.`);
        }
        return undefined;
      }
      // a step without options inherits the policy's configured options
      return mount(policy, step.options ?? configured[step.policy]?.options, `pipelines.${name}[${i}].options`, true);
    });
    if (mounted.every((m) => m !== undefined)) {
      const chain = new PolicyChain(name, mounted);
      if (chain.flows.length === 0) {
        problems.push(
          `pipelines.${name}: its policies share no flow (request, response or fault). Fix: split it by flow.`,
        );
      }
      pipelines.set(name, chain);
      chains.set(name, chain);
    }
  }
  if (problems.length > 0) return { registry: undefined, problems };
  return { registry: { chains, policies: [...byName.values()], pipelines }, problems };
}
