package dev.tollgate.job.pricing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A price catalog: per-model prices with effective dates, looked up by the model name an event
 * carries (exact names, aliases, and dated snapshots such as {@code gpt-4o-mini-2024-07-18} or
 * {@code claude-sonnet-4-5-20250929}, which match their base model unless listed themselves).
 *
 * <p>Prices are read as exact decimals (USD per one million tokens); a price written as a binary
 * floating-point value never enters a cost. Immutable and thread-safe.
 */
public final class PriceCatalog {

  /** Classpath location of the catalog bundled in the job jar. */
  public static final String BUNDLED_RESOURCE = "/dev/tollgate/job/pricing/prices.yaml";

  // Dated snapshot suffixes: OpenAI -2024-07-18, Anthropic -20250929, Vertex AI @20250929, -latest.
  private static final Pattern SNAPSHOT_SUFFIX =
      Pattern.compile("^(.+?)(-\\d{4}-\\d{2}-\\d{2}|-\\d{8}|@\\d{8}|-latest)$");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._:-]*");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** Catalog model name -> its prices, newest first. */
  private final Map<String, List<ModelPrice>> pricesByModel;
  /** Lower-case name or alias -> catalog model name. */
  private final Map<String, String> modelByName;

  private PriceCatalog(Map<String, List<ModelPrice>> pricesByModel, Map<String, String> modelByName) {
    this.pricesByModel = Map.copyOf(pricesByModel);
    this.modelByName = Map.copyOf(modelByName);
  }

  /** The catalog bundled in the job jar. */
  public static PriceCatalog bundled() {
    try (InputStream in = PriceCatalog.class.getResourceAsStream(BUNDLED_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing bundled price catalog " + BUNDLED_RESOURCE);
      }
      return parse(BUNDLED_RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bundled catalog when {@code file} is empty, else the catalog in {@code file}. */
  public static PriceCatalog load(String file) {
    if (file == null || file.isBlank()) {
      return bundled();
    }
    try {
      return parse(file, Files.readString(Path.of(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read price catalog " + file, e);
    }
  }

  /**
   * Parses a catalog document; {@code origin} names it in errors.
   *
   * @throws IllegalArgumentException listing every problem found
   */
  public static PriceCatalog parse(String origin, String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException(origin + ": not valid YAML: " + e.getMessage(), e);
    }
    return parseTree(origin, root);
  }

  /**
   * This catalog with {@code overrides} applied: each maps a model name to that model's whole
   * catalog entry as JSON ({@code {"aliases": [...], "prices": [{"valid_from": ..., ...}]}}, the
   * same fields as the YAML catalog) and replaces the model's entry, names and aliases included,
   * or adds the model. Used for the price topic; removing an override reverts to this catalog.
   *
   * @throws IllegalArgumentException listing every problem (invalid entries, an alias that
   *     already names another model)
   */
  public PriceCatalog withOverrides(Map<String, String> overrides) {
    if (overrides.isEmpty()) {
      return this;
    }
    var models = YAML.createObjectNode();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> override : overrides.entrySet()) {
      try {
        JsonNode spec = YAML.readTree(override.getValue());
        if (spec == null || !spec.isObject()) {
          problems.add("models." + override.getKey() + ": not a JSON object");
        } else {
          models.set(override.getKey().toLowerCase(Locale.ROOT), spec);
        }
      } catch (IOException e) {
        problems.add("models." + override.getKey() + ": not valid JSON");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("price overrides: invalid price catalog:\n  " + String.join("\n  ", problems));
    }
    PriceCatalog added = parseTree("price overrides", YAML.createObjectNode().set("models", models));
    Map<String, List<ModelPrice>> prices = new HashMap<>(pricesByModel);
    Map<String, String> names = new HashMap<>(modelByName);
    for (String model : added.pricesByModel.keySet()) {
      prices.remove(model);
      names.values().removeIf(model::equals);
    }
    for (Map.Entry<String, String> name : added.modelByName.entrySet()) {
      String previous = names.putIfAbsent(name.getKey(), name.getValue());
      if (previous != null && !previous.equals(name.getValue())) {
        problems.add("models." + name.getValue() + ": name " + name.getKey() + " already belongs to " + previous);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("price overrides: invalid price catalog:\n  " + String.join("\n  ", problems));
    }
    prices.putAll(added.pricesByModel);
    return new PriceCatalog(prices, names);
  }

  private static PriceCatalog parseTree(String origin, JsonNode root) {
    List<String> problems = new ArrayList<>();
    Map<String, List<ModelPrice>> pricesByModel = new HashMap<>();
    Map<String, String> modelByName = new HashMap<>();
    JsonNode models = root == null ? null : root.get("models");
    if (models == null || !models.isObject() || models.isEmpty()) {
      throw new IllegalArgumentException(origin + ": models: missing (expected: a mapping of model name to prices)");
    }
    for (Map.Entry<String, JsonNode> entry : models.properties()) {
      String model = entry.getKey().toLowerCase(Locale.ROOT);
      String at = "models." + entry.getKey();
      JsonNode spec = entry.getValue();
      if (!NAME.matcher(model).matches()) {
        problems.add(at + ": invalid model name (expected: lower-case letters, digits, . _ : -)");
        continue;
      }
      List<String> names = new ArrayList<>();
      names.add(model);
      spec.path("aliases").forEach(alias -> names.add(alias.asText().toLowerCase(Locale.ROOT)));
      for (String name : names) {
        String previous = modelByName.putIfAbsent(name, model);
        if (previous != null && !previous.equals(model)) {
          problems.add(at + ": name " + name + " already belongs to " + previous);
        }
      }
      List<ModelPrice> prices = new ArrayList<>();
      JsonNode list = spec.path("prices");
      if (!list.isArray() || list.isEmpty()) {
        problems.add(at + ".prices: missing (expected: a list of prices with valid_from)");
      }
      for (int i = 0; i < list.size(); i++) {
        ModelPrice price = modelPrice(model, at + ".prices[" + i + "]", list.get(i), problems);
        if (price != null) {
          prices.add(price);
        }
      }
      prices.sort(Comparator.comparing(ModelPrice::validFrom).reversed());
      for (int i = 1; i < prices.size(); i++) {
        if (prices.get(i).validFrom().equals(prices.get(i - 1).validFrom())) {
          problems.add(at + ": two prices valid from " + prices.get(i).validFrom());
        }
      }
      pricesByModel.put(model, List.copyOf(prices));
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(origin + ": invalid price catalog:\n  " + String.join("\n  ", problems));
    }
    return new PriceCatalog(pricesByModel, modelByName);
  }

  /**
   * The price of {@code model} on {@code day} (UTC): the entry with the latest {@code valid_from}
   * not after {@code day}. Empty when the model is unknown or was not yet priced on that day.
   */
  public Optional<ModelPrice> find(String model, LocalDate day) {
    String catalogModel = resolve(model);
    if (catalogModel == null) {
      return Optional.empty();
    }
    for (ModelPrice price : pricesByModel.get(catalogModel)) {
      if (!price.validFrom().isAfter(day)) {
        return Optional.of(price);
      }
    }
    return Optional.empty();
  }

  /** The catalog model that {@code name} denotes, or null. */
  String resolve(String name) {
    if (name == null || name.isBlank()) {
      return null;
    }
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.startsWith("models/")) {
      // Gemini names models as resources: models/gemini-2.5-pro.
      n = n.substring("models/".length());
    }
    String found = modelByName.get(n);
    if (found != null) {
      return found;
    }
    Matcher m = SNAPSHOT_SUFFIX.matcher(n);
    return m.matches() ? modelByName.get(m.group(1)) : null;
  }

  /** Number of catalog models (for start-up logs). */
  public int size() {
    return pricesByModel.size();
  }

  private static ModelPrice modelPrice(String model, String at, JsonNode node, List<String> problems) {
    LocalDate validFrom = null;
    try {
      validFrom = LocalDate.parse(node.path("valid_from").asText(""));
    } catch (DateTimeParseException e) {
      problems.add(at + ".valid_from: " + node.path("valid_from").asText("missing") + " (expected: a date YYYY-MM-DD)");
    }
    Rates rates = rates(at, node, problems);
    Rates longRates = null;
    long above = 0;
    JsonNode tier = node.get("long_context");
    if (tier != null) {
      above = tier.path("above_input_tokens").asLong(-1);
      if (above <= 0) {
        problems.add(at + ".long_context.above_input_tokens: " + tier.path("above_input_tokens").asText("missing")
            + " (expected: a token count > 0)");
      }
      longRates = rates(at + ".long_context", tier, problems);
    }
    if (validFrom == null || rates == null || (tier != null && longRates == null)) {
      return null;
    }
    return new ModelPrice(model, validFrom, rates, above, longRates);
  }

  private static Rates rates(String at, JsonNode node, List<String> problems) {
    int before = problems.size();
    BigDecimal input = decimal(at, node, "input", true, problems);
    BigDecimal cacheRead = decimal(at, node, "cache_read", false, problems);
    BigDecimal cacheWrite = decimal(at, node, "cache_write", false, problems);
    BigDecimal cacheWrite1h = decimal(at, node, "cache_write_1h", false, problems);
    BigDecimal output = decimal(at, node, "output", true, problems);
    BigDecimal reasoning = decimal(at, node, "reasoning", false, problems);
    if (problems.size() > before) {
      return null;
    }
    return new Rates(input, cacheRead, cacheWrite, cacheWrite1h, output, reasoning);
  }

  private static BigDecimal decimal(String at, JsonNode node, String field, boolean required, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        problems.add(at + "." + field + ": missing (expected: USD per 1M tokens, e.g. 0.15)");
      }
      return null;
    }
    BigDecimal decimal;
    if (value.isBigDecimal() || value.isIntegralNumber()) {
      decimal = value.decimalValue();
    } else if (value.isTextual()) {
      try {
        decimal = new BigDecimal(value.asText().trim());
      } catch (NumberFormatException e) {
        problems.add(at + "." + field + ": " + value.asText() + " (expected: a decimal number)");
        return null;
      }
    } else {
      problems.add(at + "." + field + ": " + value + " (expected: a decimal number)");
      return null;
    }
    if (decimal.signum() < 0) {
      problems.add(at + "." + field + ": " + decimal.toPlainString() + " (expected: >= 0)");
      return null;
    }
    return decimal;
  }
}
