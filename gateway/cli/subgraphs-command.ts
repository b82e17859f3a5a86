import { ADMIN_FLAGS, ADMIN_FLAGS_USAGE, adminClient, problemOf } from './admin-client.js';
import { type Command, parseCommandArgs, UsageError } from './command.js';
import { reportPublish, required } from './publish-command.js';

/** `atrium subgraphs`: list, history and rollback through a running gateway's admin API. */
export const subgraphsCommand: Command = {
  name: 'subgraphs',
  summary: 'List published subgraphs, show a history, roll back',
  usage: `Usage: atrium subgraphs [list | history <subgraph> | rollback <subgraph> <version>] [flags]

  list                          the live subgraphs: name, version (or supergraph.yaml), routing URL (default)
  history <subgraph>            every published version of one subgraph
  rollback <subgraph> <version> publish an earlier version again, as a new version, after the same checks
                                as a publish (a rollback that removes fields needs --allow-breaking)

Flags:
  --allow-breaking       (rollback) accept breaking changes
${ADMIN_FLAGS_USAGE}
  -h, --help             show this help

Exit codes: 0 done, 1 refused or the gateway could not be reached, 2 bad arguments.
`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { 'allow-breaking': { type: 'boolean' }, ...ADMIN_FLAGS }, true);
    const [action = 'list', name, version, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, { hint: true });
    const call = adminClient(values);
    if (action === 'list') {
      const answer = await call('GET', '/subgraphs');
      if (answer.status !== 200) throw new Error(problemOf(answer));
      for (const s of answer.body.subgraphs) {
        io.stdout.write(`${s.name.padEnd(20)} ${(s.version === undefined ? 'supergraph.yaml' : `v${s.version}`).padEnd(16)} ${s.url}\n`);
      }
      return 0;
    }
    const subgraph = required(name, '<subgraph>');
    if (action === 'history') {
      const answer = await call('GET', `/subgraphs/${encodeURIComponent(subgraph)}/versions`);
      if (answer.status !== 200) throw new Error(problemOf(answer));
      if (answer.body.versions.length === 0) io.stdout.write(`${subgraph}: never published\n`);
      for (const v of answer.body.versions) {
        const note = v.rollbackOf === undefined ? '' : ` (rollback to v${v.rollbackOf})`;
        io.stdout.write(`v${String(v.version).padEnd(5)} ${v.publishedAt}  ${v.url}  ${v.sourceName}${note}\n`);
      }
      return 0;
    }
    if (action === 'rollback') {
      const target = /^\d{1,9}$/.test(version ?? '') ? Number(version) : Number.NaN;
      if (!(target >= 1)) throw new UsageError('rollback expects <subgraph> <version>, a version number such as 3', { hint: true });
      const answer = await call('POST', `/subgraphs/${encodeURIComponent(subgraph)}/rollback`, { version: target, allowBreaking: values['allow-breaking'] === true });
      return reportPublish(io, answer, subgraph);
    }
    throw new UsageError(`unknown action "${action}"`, { hint: true });
  },
};
