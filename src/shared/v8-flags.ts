// V8 flags for an llm-finops server process, given by the launcher (bin/llm-finops.js) when it
// re-executes itself (the same re-execution as the malloc tunables: V8 sizes its heap once, when
// the process starts, so no flag set later changes it).
//
// --max-semi-space-size=32: V8's young generation is two semi-spaces; without pointer compression
// (Node's build) each may grow to 64 MB, so under ingest the young generation alone held 128 MiB
// resident, and collector/heap-growth.ts lets the old generation grow past its live size by one
// young generation: in 4-minute soaks the heap's total was 193-274 MiB. At 32 MB a semi-space it
// was 114-164 MiB and the RSS max 780-839 MiB against 893-988, for about twice the collections
// (GC pauses 8.9-15.1 µs a span against 6.1-10.1). 16 MB saved another ~60-120 MiB but took four
// times the collections (README "Where the resident memory is", "V8's young generation").
/** What llm-finops gives V8 when the user set none of these flags. */
export const SERVER_V8_FLAGS = ['--max-semi-space-size=32'];

/** A flag's name: `--max-semi-space-size=32` -> `max-semi-space-size` (`_` and `-` are one). */
function flagName(flag: string): string {
  return flag.replace(/^--/, '').split('=')[0]!.replace(/_/g, '-');
}

/**
 * The V8 flags to start the server with: SERVER_V8_FLAGS (or LLM_FINOPS_V8_FLAGS, space-separated;
 * `off`: none) less those whose name the user already set, in the node arguments (`execArgv`) or
 * in NODE_OPTIONS. Empty once they are in `execArgv`: the re-executed process adds nothing again.
 */
export function serverV8Flags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string[] {
  const ours = env.LLM_FINOPS_V8_FLAGS ?? SERVER_V8_FLAGS.join(' ');
  if (ours === 'off') return [];
  const given = new Set(
    [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)]
      .filter((arg) => arg.startsWith('--'))
      .map(flagName),
  );
  return ours.split(/\s+/).filter((flag) => flag.startsWith('--') && !given.has(flagName(flag)));
}
