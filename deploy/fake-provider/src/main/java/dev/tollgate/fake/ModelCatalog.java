package dev.tollgate.fake;

import java.util.List;
import java.util.Optional;

/**
 * The small table of models the fake knows: aliases resolve to a dated snapshot in the response's
 * {@code model} field, as the real APIs do; any other model name is echoed unchanged.
 *
 * <p>Immutable.
 */
final class ModelCatalog {

  /** A known model: {@code id} as requested, {@code snapshot} as answered. */
  record Model(String id, String snapshot, long created, String displayName) {}

  static final List<Model> OPENAI = List.of(
      new Model("gpt-4o", "gpt-4o-2024-08-06", 1715367049L, "GPT-4o"),
      new Model("gpt-4o-mini", "gpt-4o-mini-2024-07-18", 1721172741L, "GPT-4o mini"),
      new Model("gpt-4.1", "gpt-4.1-2025-04-14", 1744316542L, "GPT-4.1"),
      new Model("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", 1744318173L, "GPT-4.1 mini"),
      new Model("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", 1744321707L, "GPT-4.1 nano"),
      new Model("gpt-5", "gpt-5-2025-08-07", 1754425777L, "GPT-5"),
      new Model("gpt-5-mini", "gpt-5-mini-2025-08-07", 1754425867L, "GPT-5 mini"),
      new Model("gpt-5-nano", "gpt-5-nano-2025-08-07", 1754426384L, "GPT-5 nano"),
      new Model("o3", "o3-2025-04-16", 1744225308L, "o3"),
      new Model("o4-mini", "o4-mini-2025-04-16", 1744225351L, "o4-mini"),
      new Model("gpt-3.5-turbo", "gpt-3.5-turbo-0125", 1677610602L, "GPT-3.5 Turbo"),
      new Model("text-embedding-3-small", "text-embedding-3-small", 1705948997L, "text-embedding-3-small"),
      new Model("text-embedding-3-large", "text-embedding-3-large", 1705953180L, "text-embedding-3-large"),
      new Model("text-embedding-ada-002", "text-embedding-ada-002", 1671217299L, "text-embedding-ada-002"));

  static final List<Model> ANTHROPIC = List.of(
      new Model("claude-opus-4-1", "claude-opus-4-1-20250805", 1754352000L, "Claude Opus 4.1"),
      new Model("claude-opus-4-0", "claude-opus-4-20250514", 1747180800L, "Claude Opus 4"),
      new Model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 1759104000L, "Claude Sonnet 4.5"),
      new Model("claude-sonnet-4-0", "claude-sonnet-4-20250514", 1747180800L, "Claude Sonnet 4"),
      new Model("claude-haiku-4-5", "claude-haiku-4-5-20251001", 1759276800L, "Claude Haiku 4.5"),
      new Model("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219", 1739923200L, "Claude Sonnet 3.7"),
      new Model("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022", 1729555200L, "Claude Haiku 3.5"));

  private ModelCatalog() {}

  /** The model named in a response to a request for {@code requested}. */
  static String answeredModel(List<Model> catalog, String requested) {
    return find(catalog, requested).map(Model::snapshot).orElse(requested);
  }

  /** A known model by alias or snapshot id. */
  static Optional<Model> find(List<Model> catalog, String id) {
    for (Model model : catalog) {
      if (model.id().equals(id)) {
        return Optional.of(model);
      }
    }
    for (Model model : catalog) {
      if (model.snapshot().equals(id)) {
        return Optional.of(new Model(model.snapshot(), model.snapshot(), model.created(), model.displayName()));
      }
    }
    return Optional.empty();
  }
}
