package dev.tollgate.manifests;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads YAML files (one or more {@code ---} documents) into Jackson trees. A key given twice in
 * one mapping is an error, as it is for kubectl.
 *
 * <p>Stateless and thread-safe.
 */
final class Yaml {

  static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private Yaml() {}

  /** Every non-empty document of {@code file}; each must be a mapping. */
  static List<ObjectNode> documents(Path file) {
    try {
      return documents(file.toString(), java.nio.file.Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read", e);
    }
  }

  /** Every non-empty document of {@code text}; {@code origin} names it in errors. */
  static List<ObjectNode> documents(String origin, String text) {
    List<ObjectNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = MAPPER.readerFor(JsonNode.class).readValues(text)) {
      while (docs.hasNextValue()) {
        JsonNode doc = docs.nextValue();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        if (!doc.isObject()) {
          throw new ManifestException(origin + ": a document is a " + doc.getNodeType() + " (expected: a mapping)");
        }
        out.add((ObjectNode) doc);
      }
    } catch (IOException e) {
      throw new ManifestException(origin + ": not valid YAML: " + e.getMessage());
    }
    return out;
  }
}
