package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Holds what one call needs for a token estimate with a real BPE tokenizer (jtokkit), in case its
 * provider reports no usage: a chat stream without {@code include_usage}, a stream cut short, a
 * server that never reports it. Nothing is tokenized while the call runs: the prompt's text values
 * and the generated text values are held (only those, never the rest of a body) until the call
 * ends, and counted then, off the event loop, only when no usage was reported ({@link #detach}).
 * As soon as the provider reports usage, everything held is dropped and nothing more is held.
 *
 * <p>Held text is charged to a {@link HeldTextBudget} shared by every call; a call whose text does
 * not fit stops holding and cannot be estimated (its usage is then recorded as unknown).
 *
 * <p>The encoding is chosen at the first text held: {@code o200k_base} for the GPT-4o, GPT-4.1,
 * GPT-5 and o-series models, {@code cl100k_base} for any other named model. When the model is not
 * known yet (it may come after the messages in the body), OpenAI-protocol calls use {@code
 * o200k_base} and the others {@code cl100k_base}. Other vendors' tokenizers differ, so for
 * Anthropic and Gemini the figures are approximations either way. Each text value is counted on
 * its own and the counts summed.
 *
 * <p>Not thread-safe: one estimator per call, used from its event loop; a {@link Held} is handed
 * to one other thread. The tokenizer tables are loaded on first use, one encoding at a time.
 */
public final class UsageEstimator {

  /** Counts the tokens of one text with one encoding; must be thread-safe. */
  @FunctionalInterface
  public interface Tokenizer {
    int countTokens(EncodingType encoding, String text);
  }

  /** The estimated counts of one call. */
  public record Estimate(long inputTokens, long outputTokens) {}

  /** What a held value costs beyond its characters: the end offset recorded for it. */
  private static final int BYTES_PER_VALUE = Integer.BYTES;

  /**
   * Loaded on first use (a few hundred milliseconds; ~28 MiB of heap for o200k_base, ~14 MiB for
   * cl100k_base), and only the encodings asked for: a lazy registry reads a table at its first lookup.
   */
  private static final class Registry {
    static final EncodingRegistry INSTANCE = Encodings.newLazyEncodingRegistry();
  }

  /** jtokkit's tokenizer. */
  public static final Tokenizer JTOKKIT = (encoding, text) -> Registry.INSTANCE.getEncoding(encoding).countTokens(text);

  private final String protocol;
  private final HeldTextBudget budget;
  private String model;
  private EncodingType encoding;
  private Texts input;
  private Texts output;
  private boolean outputSeen;
  /** Bytes charged to the budget for what this call holds now. */
  private long charged;
  /** No more text is held: usage was reported, the text did not fit, or the call ended. */
  private boolean stopped;
  private boolean overBudget;

  /** An estimator with a budget of its own and no bound: for tests and tools. */
  public UsageEstimator(String protocol) {
    this(protocol, new HeldTextBudget(Long.MAX_VALUE));
  }

  public UsageEstimator(String protocol, HeldTextBudget budget) {
    this.protocol = protocol;
    this.budget = budget;
  }

  /** The encoding a model's tokens are counted with. */
  static EncodingType encodingFor(String model, String protocol) {
    if (model == null) {
      return protocol.equals("openai") ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE;
    }
    String m = model.toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    if (slash >= 0) {
      m = m.substring(slash + 1); // "openai/gpt-4o" on OpenAI-compatible gateways
    }
    boolean oSeries = m.length() > 1 && m.charAt(0) == 'o' && Character.isDigit(m.charAt(1));
    if (oSeries || m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1")
        || m.startsWith("gpt-4.5") || m.startsWith("gpt-5") || m.startsWith("gpt-oss")) {
      return EncodingType.O200K_BASE;
    }
    return EncodingType.CL100K_BASE;
  }

  /** The model the call names, when known; only the first one counts, and only before any text was held. */
  public void model(String name) {
    if (model == null && name != null) {
      model = name;
    }
  }

  /** Holds the string value the parser is on as a piece of the prompt (other tokens are ignored). */
  void input(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      input = hold(input, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }
  }

  /** Holds the string value the parser is on as a piece of generated output (a delta, or a whole text). */
  void output(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_STRING && p.getTextLength() > 0) {
      outputSeen = true;
      output = hold(output, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }
  }

  private Texts hold(Texts texts, char[] chars, int offset, int length) {
    if (stopped || length == 0) {
      return texts;
    }
    // Two bytes a char: what a held char costs at most (Latin-1 text takes one).
    long cost = 2L * length + BYTES_PER_VALUE;
    if (!budget.tryReserve(cost)) {
      overBudget = true;
      drop();
      return null;
    }
    charged += cost;
    if (encoding == null) {
      encoding = encodingFor(model, protocol);
    }
    Texts out = texts == null ? new Texts(length) : texts;
    out.append(chars, offset, length);
    return out;
  }

  /** Drops everything held and holds nothing more: the provider reported usage, or the call needs no estimate. */
  public void drop() {
    stopped = true;
    input = null;
    output = null;
    budget.release(charged);
    charged = 0;
  }

  /**
   * Hands over what is held, to be counted elsewhere, and holds nothing more; null when the call
   * cannot be estimated because its text did not fit the budget. The caller must {@link
   * Held#release} the result once counted (or abandoned).
   */
  public Held detach() {
    if (overBudget) {
      return null;
    }
    Held held = new Held(encoding, input, output, charged, budget);
    stopped = true;
    input = null;
    output = null;
    charged = 0;
    return held;
  }

  /** True when any output text was held. */
  public boolean outputSeen() {
    return outputSeen;
  }

  /** True when no text is held any more and none will be (usage reported, budget exceeded, or ended). */
  public boolean stopped() {
    return stopped;
  }

  /** The texts of one call waiting to be counted, and the budget they are charged to. Used by one thread at a time. */
  public static final class Held {
    private final EncodingType encoding;
    private final Texts input;
    private final Texts output;
    private final long charged;
    private final HeldTextBudget budget;
    private boolean released;

    private Held(EncodingType encoding, Texts input, Texts output, long charged, HeldTextBudget budget) {
      this.encoding = encoding;
      this.input = input;
      this.output = output;
      this.charged = charged;
      this.budget = budget;
    }

    /** The encoding's name, or null when nothing was held (the estimate is then zero). */
    public String encodingName() {
      return encoding == null ? null : encoding.getName();
    }

    /** Counts each held text value with {@code tokenizer}; nothing held counts zero without tokenizing. */
    public Estimate count(Tokenizer tokenizer) {
      return new Estimate(count(input, tokenizer), count(output, tokenizer));
    }

    private long count(Texts texts, Tokenizer tokenizer) {
      if (texts == null) {
        return 0;
      }
      long tokens = 0;
      int start = 0;
      for (int i = 0; i < texts.values; i++) {
        int end = texts.ends[i];
        tokens += tokenizer.countTokens(encoding, texts.chars.substring(start, end));
        start = end;
      }
      return tokens;
    }

    /** Returns the held bytes to the budget; idempotent. */
    public void release() {
      if (!released) {
        released = true;
        budget.release(charged);
      }
    }
  }

  /** Text values back to back in one builder, with the end of each, so each is counted on its own. */
  private static final class Texts {
    final StringBuilder chars;
    int[] ends = new int[4];
    int values;

    /** Sized for the first value: most calls hold one short prompt and one output. */
    Texts(int firstLength) {
      chars = new StringBuilder(Math.max(16, firstLength));
    }

    void append(char[] source, int offset, int length) {
      chars.append(source, offset, length);
      if (values == ends.length) {
        ends = Arrays.copyOf(ends, values * 2);
      }
      ends[values++] = chars.length();
    }
  }
}
