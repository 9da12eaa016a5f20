import { TutorialError } from '../common/errors';

/** Base class of every error the lab throws on purpose; `message` is meant for the learner. */
export class LabError extends TutorialError {
  readonly code: string = 'lab';
}

/** The run was cancelled (AbortSignal, Ctrl-C). Everything it started has been stopped. */
export class LabAbortedError extends LabError {
  override readonly code = 'lab-aborted';
  override readonly cancelled = true;
  constructor() {
    super('lab run aborted; every process it started has been stopped');
  }
}

/** A lab process (server, client) exited on its own, or never became ready. */
export class LabProcessError extends LabError {
  override readonly code = 'lab-process';
  constructor(
    readonly processName: string,
    message: string,
    /** The last lines the process wrote to stderr, for diagnosis. */
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n--- last stderr lines of ${processName} ---\n${stderrTail}` : message);
  }
}

/**
 * The lab's headless-style servers each need a loopback address of their own (127.0.0.2, …), as pods have
 * IPs of their own. Linux answers on all of 127.0.0.0/8; macOS only on 127.0.0.1 until aliases are added.
 */
export class LoopbackAliasMissingError extends LabError {
  override readonly code = 'loopback-alias-missing';
  constructor(readonly missing: readonly string[]) {
    super(
      `the lab needs the loopback address${missing.length > 1 ? 'es' : ''} ${missing.join(', ')}, which this machine does not have. ` +
        `Linux has all of 127.0.0.0/8; on macOS add them once (until the next reboot): ` +
        missing.map((a) => `sudo ifconfig lo0 alias ${a} up`).join('; '),
    );
  }
}

/** An unknown scenario id was asked for. */
export class UnknownScenarioError extends LabError {
  override readonly code = 'unknown-scenario';
  constructor(id: string, known: readonly string[]) {
    super(`unknown lab scenario "${id}"; expected one of: ${known.join(', ')}`);
  }
}
