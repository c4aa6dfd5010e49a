#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=256
/**
 * The nfscope command line: parses arguments and hands off to src/commands. Every error a
 * user can cause (bad option, unreadable file, bad filter) ends as one line on stderr and a
 * non-zero exit code: 2 for usage, 1 for input that cannot be read.
 *
 * The V8 flags in the first line keep peak memory near 100 MB on captures of any size: the
 * live state is small (about 20 MB), and without a cap V8 lets dead read buffers and decoded
 * messages pile up for a long time before a full collection.
 * Measured and not adopted: glibc settings that keep freed read buffers in malloc's heap
 * (GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=8388608).
 * A page fault costs ~13 us on the benchmark VM and they saved a quarter of them (1 GB
 * `read -q --no-nfs`: ~5 % less wall time), but the memory kept raised every command's peak
 * RSS by 4-5 MB, taking `read` (text) from 98 to 101-102 MB, over the 100 MB target.
 *
 * Only `read` is loaded up front; the other commands are imported when chosen, so a run does
 * not pay for compiling the synthesizer and the correlator it does not use.
 */
import { Command, CommanderError, Option } from 'commander';
import { runRead, type ReadFormat } from '../src/commands/read.js';
import { UsageError } from '../src/commands/errors.js';
import { parseSize } from '../src/synth/size.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`not a positive integer: ${value}`);
  return n;
}

function byteSize(value: string): number {
  const n = parseSize(value);
  if (n === null || n <= 0) throw new UsageError(`not a size: ${value}`);
  return n;
}

/**
 * The capture named as an argument or, as tshark takes it, with -r (one of the two); undefined
 * when neither is given.
 */
function captureFile(positional: string | undefined, readFile: string | undefined): string | undefined {
  if (positional !== undefined && readFile !== undefined) throw new UsageError('give the capture either as FILE or with -r FILE, not both');
  return positional ?? readFile;
}

function requiredCaptureFile(command: string, positional: string | undefined, readFile: string | undefined): string {
  const file = captureFile(positional, readFile);
  if (file === undefined) throw new UsageError(`${command} needs a capture FILE (or -r FILE)`);
  return file;
}

const READ_FILE_HELP = 'capture file to read, as tshark takes it (the same as FILE; - for standard input)';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command();
  program
    .name('nfscope')
    .description('NFSv4.x capture analyzer: RPC messages, decoded compounds, delegation lives')
    .version('0.1.0', '--version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('read')
    .description('print one line per RPC message (like tshark), or trees, JSON, fields')
    .argument('[file]', 'capture file (pcap, pcapng, optionally gzipped), or - for standard input')
    .option('-r, --read-file <file>', READ_FILE_HELP)
    .option('-i, --interface <iface>', 'capture live on this interface instead of reading a file (needs root and the cap package)')
    .option('-f, --capture-filter <bpf>', 'with -i: BPF capture filter', 'tcp')
    .option('-a, --duration <seconds>', 'with -i: stop after this many seconds', positiveInt)
    .option('-Y, --filter <expr>', 'display filter, e.g. "nfs.opcode == GET_DIR_DELEGATION"')
    .option('-V, --verbose', 'print the decoded tree of each message')
    .addOption(new Option('-T, --format <format>', 'output format').choices(['text', 'json', 'fields']).default('text'))
    .option('-e, --field <field>', 'with -T fields: a field to print (repeatable)', collect, [])
    .option('--json', 'one JSON object per message, then a {"summary": ...} object')
    .option('-q, --quiet', 'print only the closing summary')
    .option('--no-nfs', 'decode the RPC layer only')
    .option('-c, --count <n>', 'stop after n messages', positiveInt)
    .option('-t, --absolute-time', 'absolute UTC times instead of seconds since the first frame')
    .action(async (positional: string | undefined, o: { readFile?: string; interface?: string; captureFilter: string; duration?: number; filter?: string; verbose?: boolean; format: string; field: string[]; json?: boolean; quiet?: boolean; nfs: boolean; count?: number; absoluteTime?: boolean }) => {
      const format: ReadFormat = o.json ? 'ndjson' : (o.format as ReadFormat);
      const file = captureFile(positional, o.readFile);
      if (o.interface !== undefined && file !== undefined) throw new UsageError('give either a FILE or -i INTERFACE, not both');
      const live = o.interface === undefined ? undefined : { iface: o.interface, captureFilter: o.captureFilter, durationSec: o.duration };
      exitCode = await runRead(file, {
        filter: o.filter, verbose: o.verbose, format, fields: o.field, quiet: o.quiet, decodeNfs: o.nfs,
        count: o.count, absoluteTime: o.absoluteTime, live,
      }, process.stdout, process.stderr);
    });

  program
    .command('deleg')
    .description('print each delegation as a timeline: grant, notifications, recall and its cause, return')
    .argument('[file]', 'capture file, or - for standard input')
    .option('-r, --read-file <file>', READ_FILE_HELP)
    .option('--json', 'JSON array of delegations')
    .option('--keep <n>', 'finished delegations kept for the output, the last to finish (default 10000)', positiveInt)
    .action(async (positional: string | undefined, o: { readFile?: string; json?: boolean; keep?: number }) => {
      const file = requiredCaptureFile('deleg', positional, o.readFile);
      const { runDeleg } = await import('../src/commands/deleg.js');
      exitCode = await runDeleg(file, o, process.stdout, process.stderr);
    });

  program
    .command('stats')
    .description('per-operation, per-callback, per-delegation and per-client statistics')
    .argument('[file]', 'capture file, or - for standard input')
    .option('-r, --read-file <file>', READ_FILE_HELP)
    .option('--json', 'JSON report')
    .action(async (positional: string | undefined, o: { readFile?: string; json?: boolean }) => {
      const file = requiredCaptureFile('stats', positional, o.readFile);
      const { runStats } = await import('../src/commands/deleg.js');
      exitCode = await runStats(file, o, process.stdout, process.stderr);
    });

  program
    .command('synth')
    .description('write a synthetic capture of a scripted NFSv4.1 exchange')
    .argument('[scenario]', 'scenario name (see --list)')
    .option('-w, --write <file>', 'output capture file')
    .addOption(new Option('-F, --format <format>', 'capture format').choices(['pcap', 'nsec', 'pcapng']).default('pcap'))
    .option('--packets <n>', 'workload: about this many packets', positiveInt)
    .option('--bytes <size>', 'workload: about this many bytes (e.g. 64M, 1G)', byteSize)
    .option('--list', 'list the scenarios')
    .action(async (scenario: string | undefined, o: { write?: string; format: string; packets?: number; bytes?: number; list?: boolean }) => {
      const { runSynth, listSynthScenarios } = await import('../src/commands/synth.js');
      if (o.list || scenario === undefined) {
        process.stdout.write(listSynthScenarios());
        return;
      }
      if (!o.write) throw new UsageError('synth needs -w FILE');
      exitCode = await runSynth(scenario, o.write, { format: o.format as 'pcap' | 'nsec' | 'pcapng', packets: o.packets, bytes: o.bytes }, process.stdout);
    });

  program
    .command('fields')
    .description('list the display-filter fields (like tshark -G fields)')
    .action(async () => {
      const { listFields } = await import('../src/commands/fields.js');
      process.stdout.write(listFields());
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    if (e instanceof UsageError) {
      process.stderr.write(`nfscope: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`nfscope: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
