package dev.tollgate.job.row;

/**
 * A Kafka record the job could not use, with the reason; written to the dead-letter topic as-is.
 *
 * <p>A Flink POJO; mutable and not thread-safe.
 */
public final class DeadLetter {

  /** The record's value exactly as read (may be empty, never null). */
  public byte[] payload = new byte[0];
  /** Why it was rejected; safe to log (never holds payload bytes). */
  public String reason = "";

  public DeadLetter() {}

  public DeadLetter(byte[] payload, String reason) {
    this.payload = payload == null ? new byte[0] : payload;
    this.reason = reason;
  }
}
