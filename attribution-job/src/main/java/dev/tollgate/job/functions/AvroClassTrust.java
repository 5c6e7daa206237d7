package dev.tollgate.job.functions;

import dev.tollgate.event.InvocationEvent;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Lets Avro instantiate the generated event classes. Avro 1.12.2 checks every class a specific
 * reader loads against a trust list (system property {@code org.apache.avro.SERIALIZABLE_PACKAGES}
 * by default), and the application's own generated classes are not on it, so decoding fails with
 * a {@code SecurityException}. Adding exactly the event classes keeps the protection for the rest.
 *
 * <p>Thread-safe; idempotent.
 */
final class AvroClassTrust {

  private static boolean installed;

  private AvroClassTrust() {}

  static synchronized void install() {
    if (installed) {
      return;
    }
    ClassSecurityPredicate events = ClassSecurityValidator.builder().add(InvocationEvent.class).build();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), events));
    installed = true;
  }
}
