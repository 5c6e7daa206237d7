package dev.tollgate.edge.provider;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;

/**
 * Estimates the tokens of one call with a real BPE tokenizer (jtokkit), for the calls whose
 * provider reports no usage: a chat stream without {@code include_usage}, a stream cut short, a
 * server that never reports it. Input is counted from the request's message texts and output from
 * the content deltas, each text counted as it passes and then dropped: nothing is retained beyond
 * the value being counted.
 *
 * <p>The encoding is chosen once, at the first text counted: {@code o200k_base} for the GPT-4o,
 * GPT-4.1, GPT-5 and o-series models, {@code cl100k_base} for any other named model. When the model
 * is not known yet (it may come after the messages in the body), OpenAI-protocol calls use
 * {@code o200k_base} and the others {@code cl100k_base}. Other vendors' tokenizers differ, so for
 * Anthropic and Gemini the figures are approximations either way.
 *
 * <p>Not thread-safe: one estimator per call, used from one event loop. The encodings themselves
 * are shared and thread-safe.
 */
public final class UsageEstimator {

  /** Loaded on first use; {@link #warmUp()} moves that cost off the event loops. */
  private static final class Registry {
    static final EncodingRegistry INSTANCE = Encodings.newLazyEncodingRegistry();
    static final Encoding O200K = INSTANCE.getEncoding(EncodingType.O200K_BASE);
    static final Encoding CL100K = INSTANCE.getEncoding(EncodingType.CL100K_BASE);
  }

  private final String protocol;
  private String model;
  private Encoding encoding;
  private long inputTokens;
  private long outputTokens;
  private boolean outputSeen;

  public UsageEstimator(String protocol) {
    this.protocol = protocol;
  }

  /** Loads both encodings (a few hundred milliseconds); call once at start-up, off the event loops. */
  public static void warmUp() {
    Registry.O200K.countTokens("warm up");
    Registry.CL100K.countTokens("warm up");
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

  /** The model the call names, when known; only the first one counts, and only before any text was counted. */
  public void model(String name) {
    if (model == null && name != null) {
      model = name;
    }
  }

  /** Counts a piece of the prompt. */
  void input(String text) {
    if (text != null && !text.isEmpty()) {
      inputTokens += encoding().countTokens(text);
    }
  }

  /** Counts a piece of generated output (a delta, or the whole text of a non-stream body). */
  void output(String text) {
    if (text != null && !text.isEmpty()) {
      outputSeen = true;
      outputTokens += encoding().countTokens(text);
    }
  }

  private Encoding encoding() {
    if (encoding == null) {
      encoding = encodingFor(model, protocol) == EncodingType.O200K_BASE ? Registry.O200K : Registry.CL100K;
    }
    return encoding;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  /** True when any output text was counted. */
  public boolean outputSeen() {
    return outputSeen;
  }

  /** The encoding used, or null when nothing was counted. */
  public String encodingName() {
    return encoding == null ? null : encoding.getName();
  }
}
