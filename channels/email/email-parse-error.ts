// The one failure parseEmail reports: bytes that are not an email at all. The caller keeps the
// raw bytes and reports the message to an admin instead of dropping it.

/** Thrown when raw bytes cannot be read as an email; `reason` says why in plain words. */
export class EmailParseError extends Error {
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(
      `Cannot parse the email: ${reason}. Keep the raw message and report it to an admin.`,
      options,
    );
    this.name = 'EmailParseError';
    this.reason = reason;
  }

  /** The input held no bytes, or only white space. */
  static empty(): EmailParseError {
    return new EmailParseError('the message is empty');
  }

  /** The input has no header section, so it is not an RFC 5322 message. */
  static noHeaders(): EmailParseError {
    return new EmailParseError('the message has no header fields');
  }

  /** The MIME parser gave up on the input. */
  static unreadable(cause: unknown): EmailParseError {
    return new EmailParseError('the MIME structure could not be read', { cause });
  }
}
