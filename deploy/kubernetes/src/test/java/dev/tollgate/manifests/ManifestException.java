package dev.tollgate.manifests;

/** A manifest or kustomization that cannot be read or rendered at all (as opposed to a validation problem). */
final class ManifestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  ManifestException(String message) {
    super(message);
  }
}
