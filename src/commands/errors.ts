/** A mistake on the command line: reported as one line (plus a caret for filters), exit code 2. */
export class UsageError extends Error {}
