/** Base class of every error the lab throws on purpose; `message` is meant for the learner. */
export class LabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The run was cancelled (AbortSignal, Ctrl-C). Everything it started has been stopped. */
export class LabAbortedError extends LabError {
  constructor() {
    super('lab run aborted; every process it started has been stopped');
  }
}

/** A lab process (server, client) exited on its own, or never became ready. */
export class LabProcessError extends LabError {
  constructor(
    readonly processName: string,
    message: string,
    /** The last lines the process wrote to stderr, for diagnosis. */
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n--- last stderr lines of ${processName} ---\n${stderrTail}` : message);
  }
}

/** An unknown scenario id was asked for. */
export class UnknownScenarioError extends LabError {
  constructor(id: string, known: readonly string[]) {
    super(`unknown lab scenario "${id}"; expected one of: ${known.join(', ')}`);
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof LabAbortedError || (error instanceof Error && error.name === 'AbortError');
}
