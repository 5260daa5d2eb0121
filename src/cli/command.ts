// The `sluice` command (started through main.ts, which applies the runtime flags first).

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadConfig, parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { runService } from '../service.ts';
import { createSources } from '../sources/create.ts';
import { NdjsonSource } from '../sources/ndjson.ts';
import { log } from '../shared/log.ts';
import { embeddedConfig } from './embedded-config.ts';
import { readStdin, runJobsCommand } from './jobs.ts';
import { runKeygenCommand } from './keygen.ts';
import { asUserError, UsageError } from './user-error.ts';
import { runVerifyCommand } from './verify.ts';

const USAGE = `usage: sluice run [--config FILE] [--seconds N] [--input FILE|- --dataset NAME --tenant ID]

  sluice run                      run the embedded default: built-in generator → sample jobs → files under ./data
  sluice run --config FILE        run the sources and jobs of a JSON or YAML config file
  sluice jobs …                   manage jobs through the admin API (sluice jobs --help)
  sluice verify …                 check a destination against a job's signed audit digests (sluice verify --help)
  sluice keygen --out FILE.pem    create the Ed25519 key that signs audit digests
  --seconds N                     stop gracefully after N seconds (flushes open batches)
  --input FILE|-                  read NDJSON events from FILE or stdin instead of the config's
                                  sources, exit once all of them are delivered
  --dataset NAME, --tenant ID     the dataset and tenant (zone or account id) of --input events
  --help, --version`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'jobs') {
    return runJobsCommand(argv.slice(1), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), readStdin, env: process.env });
  }
  if (argv[0] === 'verify') return runVerifyCommand(argv.slice(1), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
  if (argv[0] === 'keygen') return runKeygenCommand(argv.slice(1), { stdout: (t) => process.stdout.write(t) });
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      seconds: { type: 'string' },
      input: { type: 'string' },
      dataset: { type: 'string' },
      tenant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`sluice ${pkg.version} (node ${process.versions.node})\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command !== 'run') throw new UsageError(command === undefined ? `missing command\n${USAGE}` : `unknown command "${command}"\n${USAGE}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);

  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) throw new UsageError(`--seconds must be a positive number, got "${values.seconds}"`);

  let config: Config;
  if (values.config !== undefined) {
    config = await loadConfig(values.config, { sourcesFromCommandLine: values.input !== undefined });
  } else {
    config = parseConfig(embeddedConfig(), 'embedded default config');
    process.stdout.write(`sluice: no --config given, running the embedded default (generator → ${config.jobs.length} jobs → files under ${config.data_dir}/out)\n`);
  }

  let sources;
  if (values.input !== undefined) {
    if (!values.dataset || !values.tenant) throw new UsageError('--input needs --dataset NAME and --tenant ID (the zone or account id the events belong to)');
    sources = [new NdjsonSource({ path: values.input, dataset: values.dataset, tenant: values.tenant })];
  } else {
    if (values.dataset || values.tenant) throw new UsageError('--dataset and --tenant only apply together with --input');
    sources = createSources(config.sources);
  }

  const outcome = await runService({ config, sources, log, exitAtShutdownDeadline: true, ...(seconds !== undefined ? { seconds } : {}) });
  if (outcome.undelivered > 0) {
    process.stderr.write(`sluice: ${outcome.undelivered} records were not delivered before shutdown (not acknowledged; a replayable source re-delivers them)\n`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const user = asUserError(error) ?? (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? { exitCode: 2, lines: [`sluice: ${error.message}`, USAGE] } : null);
    if (user) {
      process.stderr.write(`${user.lines.join('\n')}\n`);
      process.exitCode = user.exitCode;
    } else {
      process.stderr.write(`sluice: internal error (a bug — please report it with this output):\n${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
