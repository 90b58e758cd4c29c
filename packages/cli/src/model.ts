/**
 * @fileoverview The model of the command line's offline helpers (`map suggest`, `spec … --model`,
 * `analytics ask --model`): the LLM layer built from the sidecar configuration's llm section.
 */
import { LlmConfigError, LlmLayer } from '@synapse-ai/llm';
import { ConfigError, loadConfig } from '@synapse-ai/sidecar';
import { CliError, type Io } from './cli';

/** The configured LLM layer. @throws {CliError} when the configuration has no usable llm section */
export function configuredModel(configFile: unknown, io: Io): LlmLayer {
  let config;
  try {
    config = loadConfig({ ...(configFile !== undefined ? { file: configFile as string } : {}), env: io.env });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  if (!config.llm)
    throw new CliError(
      'no LLM is configured.',
      'Add an llm section (providers and chain) to the configuration given with --config.',
    );
  try {
    return new LlmLayer(config.llm);
  } catch (err) {
    if (err instanceof LlmConfigError) throw new CliError(err.message);
    throw err;
  }
}
