import { readFileSync } from 'node:fs';
import { Copy, DockerfileParser, From, Healthcheck } from 'dockerfile-ast';

/** One instruction of a Dockerfile stage: keyword, arguments without flags, and `COPY --from` if any. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  /** The stage or image of `COPY --from=<stage>`. */
  readonly copyFrom?: string;
}

/** One `FROM … AS name` stage and the instructions up to the next `FROM`. */
export interface DockerStage {
  readonly name: string | undefined;
  /** The `FROM` image, with its tag (`node:26.12.1-trixie-slim`), or the stage it builds on. */
  readonly base: string;
  readonly instructions: readonly DockerInstruction[];
  /** The command of `HEALTHCHECK CMD [...]` (exec form), when the stage has one. */
  readonly healthcheck?: readonly string[];
}

/** Parses a Dockerfile into its stages with `dockerfile-ast` (the parser of the Docker language server). */
export function readDockerfile(path: string): DockerStage[] {
  const stages: { name: string | undefined; base: string; instructions: DockerInstruction[]; healthcheck?: string[] }[] = [];
  for (const instruction of DockerfileParser.parse(readFileSync(path, 'utf8')).getInstructions()) {
    if (instruction instanceof From) {
      const tag = instruction.getImageTag();
      stages.push({ name: instruction.getBuildStage() ?? undefined, base: `${instruction.getImageName()}${tag ? `:${tag}` : ''}`, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) continue;
    const copyFrom = instruction instanceof Copy ? instruction.getFromFlag()?.getValue() ?? undefined : undefined;
    const args = instruction.getArgumentsContent() ?? '';
    stage.instructions.push({ keyword: instruction.getKeyword(), args, ...(copyFrom ? { copyFrom } : {}) });
    if (instruction instanceof Healthcheck && instruction.getSubcommand()?.getValue() === 'CMD') {
      stage.healthcheck = JSON.parse(args.slice(args.indexOf('[')));
    }
  }
  return stages;
}

/** The exec-form arguments of a `CMD`/`ENTRYPOINT` instruction (`["node", "x.js"]`). */
export function execForm(instruction: DockerInstruction): string[] {
  return JSON.parse(instruction.args);
}
