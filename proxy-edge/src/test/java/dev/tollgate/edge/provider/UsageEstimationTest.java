package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Token estimates for calls without reported usage: the encoding per model, prompts and streamed deltas. */
class UsageEstimationTest {

  private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  private static final Encoding CL100K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  private static final String PROMPT = "Summarise the quarterly revenue figures for the board, in three bullet points.";
  private static final String SYSTEM = "You are a terse financial analyst.";

  @Test
  void picksO200kForCurrentOpenAiModelsAndCl100kOtherwise() {
    for (String model : new String[] {"gpt-4o-mini", "gpt-4o-2024-08-06", "gpt-4.1-nano", "o3", "o4-mini", "gpt-5", "openai/gpt-4o"}) {
      assertThat(UsageEstimator.encodingFor(model, "openai")).as(model).isEqualTo(EncodingType.O200K_BASE);
    }
    for (String model : new String[] {"gpt-4", "gpt-3.5-turbo", "text-embedding-3-small", "claude-sonnet-4-5", "llama-3-70b", "omni"}) {
      assertThat(UsageEstimator.encodingFor(model, "openai")).as(model).isEqualTo(EncodingType.CL100K_BASE);
    }
    assertThat(UsageEstimator.encodingFor(null, "openai")).isEqualTo(EncodingType.O200K_BASE);
    assertThat(UsageEstimator.encodingFor(null, "anthropic")).isEqualTo(EncodingType.CL100K_BASE);
  }

  @Test
  void countsTheMessagesOfAChatRequestWithTheModelsEncoding() {
    UsageEstimator.Held held = sniff("openai", """
        {"model":"gpt-4o","messages":[{"role":"system","content":"%s"},
         {"role":"user","content":[{"type":"text","text":"%s"}]}],"stream":true}
        """.formatted(SYSTEM, PROMPT), 5).detach();

    assertThat(held.count(UsageEstimator.JTOKKIT).inputTokens())
        .isEqualTo(O200K.countTokens(SYSTEM) + O200K.countTokens(PROMPT)).isPositive();
    assertThat(held.encodingName()).isEqualTo("o200k_base");
  }

  @Test
  void countsAnAnthropicSystemPromptAndMessagesWithCl100k() {
    UsageEstimator.Estimate estimate = estimate(sniff("anthropic", """
        {"model":"claude-sonnet-4-5","max_tokens":100,"system":"%s","messages":[{"role":"user","content":"%s"}]}
        """.formatted(SYSTEM, PROMPT), 3));

    assertThat(estimate.inputTokens()).isEqualTo(CL100K.countTokens(SYSTEM) + CL100K.countTokens(PROMPT));
  }

  @Test
  void countsGeminiContentsResponsesInputAndEmbeddingInputs() {
    assertThat(estimate(sniff("gemini", "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + PROMPT + "\"}]}]}", 7))
        .inputTokens()).isEqualTo(CL100K.countTokens(PROMPT));
    assertThat(estimate(sniff("openai", "{\"model\":\"gpt-4.1\",\"instructions\":\"" + SYSTEM + "\",\"input\":\"" + PROMPT + "\"}", 11))
        .inputTokens()).isEqualTo(O200K.countTokens(SYSTEM) + O200K.countTokens(PROMPT));
    assertThat(estimate(sniff("openai", "{\"model\":\"gpt-4o\",\"input\":[\"" + PROMPT + "\",\"" + SYSTEM + "\"]}", 2))
        .inputTokens()).isEqualTo(O200K.countTokens(SYSTEM) + O200K.countTokens(PROMPT));
  }

  @Test
  void countsTheDeltasOfAChatStreamThatReportsNoUsage() {
    String stream = chunk("{\"role\":\"assistant\",\"content\":\"\"}") + chunk("{\"content\":\"Revenue rose \"}")
        + chunk("{\"content\":\"12% to $4.1bn.\"}") + "data: [DONE]\r\n\r\n";

    UsageEstimator estimator = new UsageEstimator("openai");
    estimator.model("gpt-4o-mini");
    ResponseFacts facts = observe("openai", "chat", "text/event-stream", stream, estimator, 3);

    assertThat(facts.usageReported()).isFalse();
    assertThat(estimator.outputSeen()).isTrue();
    assertThat(estimate(estimator).outputTokens()).isEqualTo(O200K.countTokens("Revenue rose ") + O200K.countTokens("12% to $4.1bn."));
  }

  @Test
  void countsAnthropicAndResponsesDeltasButNotTheEnvelopeEventsRepeatingThem() {
    String anthropic = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + PROMPT + "\"}}\n\n";
    UsageEstimator a = new UsageEstimator("anthropic");
    observe("anthropic", "messages", "text/event-stream", anthropic, a, 4);
    assertThat(estimate(a).outputTokens()).isEqualTo(CL100K.countTokens(PROMPT));

    String responses = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"" + PROMPT + "\"}\n\n"
        + "event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\",\"text\":\"" + PROMPT + "\"}\n\n"
        + "event: response.incomplete\ndata: {\"type\":\"response.incomplete\",\"response\":{\"status\":\"incomplete\","
        + "\"output\":[{\"content\":[{\"text\":\"" + PROMPT + "\"}]}]}}\n\n";
    UsageEstimator r = new UsageEstimator("openai");
    observe("openai", "responses", "text/event-stream", responses, r, 9);
    assertThat(estimate(r).outputTokens()).isEqualTo(O200K.countTokens(PROMPT));
  }

  @ParameterizedTest
  @ValueSource(ints = {6, Integer.MAX_VALUE})
  void countsTheTextOfANonStreamBodyWithoutUsage(int piece) {
    String body = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + PROMPT + "\"}]}}]}";
    UsageEstimator estimator = new UsageEstimator("gemini");
    ResponseFacts facts = observe("gemini", "generate_content", "application/json", body, estimator, piece);

    assertThat(facts.usageReported()).isFalse();
    assertThat(estimate(estimator).outputTokens()).isEqualTo(CL100K.countTokens(PROMPT));

    String chat = "{\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
        + PROMPT + "\"},\"finish_reason\":\"stop\"}]}";
    UsageEstimator openai = new UsageEstimator("openai");
    ResponseFacts chatFacts = observe("openai", "chat", "application/json", chat, openai, piece);

    assertThat(chatFacts.usageReported()).isFalse();
    assertThat(chatFacts.finishReasons()).containsExactly("stop"); // read once, whatever the second read saw
    assertThat(estimate(openai).outputTokens()).isEqualTo(O200K.countTokens(PROMPT));
  }

  @Test
  void holdsNoneOfTheGeneratedTextOfABodyThatArrivesWholeWithItsUsage() {
    // Room for the prompt only: holding the reply's text, even briefly, would exceed the budget.
    HeldTextBudget budget = new HeldTextBudget(2L * PROMPT.length() + 4);
    UsageEstimator estimator = sniff("openai", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + PROMPT + "\"}]}", Integer.MAX_VALUE, budget);
    String body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + SYSTEM + SYSTEM
        + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}";

    ResponseFacts facts = observe("openai", "chat", "application/json", body, estimator, Integer.MAX_VALUE);

    assertThat(facts.usageReported()).isTrue();
    assertThat(facts.outputTokens()).isEqualTo(3);
    assertThat(estimator.detach()).as("never over budget: no reply text was held").isNotNull();
    assertThat(budget.heldBytes()).isZero();
  }

  @Test
  void dropsTheHeldTextAsSoonAsTheProviderReportsUsage() {
    HeldTextBudget budget = new HeldTextBudget(1 << 20);
    UsageEstimator estimator = new UsageEstimator("openai", budget);
    RequestBodySniffer sniffer = new RequestBodySniffer(estimator);
    sniffer.onBody(Unpooled.copiedBuffer("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + PROMPT + "\"}]}", StandardCharsets.UTF_8));
    sniffer.onEnd();
    assertThat(budget.heldBytes()).isEqualTo(2L * PROMPT.length() + 4);

    String stream = chunk("{\"content\":\"Revenue rose \"}")
        + "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}\n\n"
        + chunk("{\"content\":\"late text\"}") + "data: [DONE]\n\n";
    ResponseFacts facts = observe("openai", "chat", "text/event-stream", stream, estimator, 7);

    assertThat(facts.usageReported()).isTrue();
    assertThat(estimator.stopped()).isTrue();
    assertThat(budget.heldBytes()).isZero();
  }

  @Test
  void stopsHoldingAndCannotEstimateWhenTheTextExceedsTheBudget() {
    HeldTextBudget budget = new HeldTextBudget(2L * PROMPT.length() + 4 + 10);
    UsageEstimator estimator = sniff("openai", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + PROMPT + "\"},{\"role\":\"user\",\"content\":\"" + SYSTEM + "\"}]}", 13, budget);

    assertThat(estimator.detach()).isNull();
    assertThat(budget.heldBytes()).isZero();
  }

  @Test
  void releasesTheBudgetOnceADetachedEstimateIsCounted() {
    HeldTextBudget budget = new HeldTextBudget(1 << 20);
    UsageEstimator estimator = sniff("anthropic", "{\"model\":\"claude-sonnet-4-5\",\"system\":\"" + SYSTEM + "\"}", 4, budget);
    UsageEstimator.Held held = estimator.detach();
    assertThat(budget.heldBytes()).isPositive();

    assertThat(held.count(UsageEstimator.JTOKKIT).inputTokens()).isEqualTo(CL100K.countTokens(SYSTEM));
    held.release();
    held.release();
    assertThat(budget.heldBytes()).isZero();
  }

  @Test
  void keepsTheEncodingOfTheModelKnownAtTheFirstTextAsBefore() {
    // OpenAI protocol, model named after the messages: o200k was chosen at the first text and stays.
    UsageEstimator.Held held = sniff("openai", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}],"
        + "\"model\":\"gpt-4\"}", 6).detach();

    assertThat(held.encodingName()).isEqualTo("o200k_base");
    assertThat(held.count(UsageEstimator.JTOKKIT).inputTokens()).isEqualTo(O200K.countTokens(PROMPT));
  }

  @Test
  void countsNothingAndNeverTokenizesWhenNoTextWasHeld() {
    UsageEstimator.Held held = sniff("openai", "{\"model\":\"gpt-4o\",\"messages\":[]}", 3).detach();

    assertThat(held.count((encoding, text) -> {
      throw new AssertionError("tokenized " + text.length() + " chars");
    })).isEqualTo(new UsageEstimator.Estimate(0, 0));
    assertThat(held.encodingName()).isNull();
  }

  private static UsageEstimator.Estimate estimate(UsageEstimator estimator) {
    return estimator.detach().count(UsageEstimator.JTOKKIT);
  }

  private static String chunk(String delta) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":"
        + delta + ",\"finish_reason\":null}]}\r\n\r\n";
  }

  private static UsageEstimator sniff(String protocol, String body, int pieceSize) {
    return sniff(protocol, body, pieceSize, new HeldTextBudget(Long.MAX_VALUE));
  }

  private static UsageEstimator sniff(String protocol, String body, int pieceSize, HeldTextBudget budget) {
    UsageEstimator estimator = new UsageEstimator(protocol, budget);
    RequestBodySniffer sniffer = new RequestBodySniffer(estimator);
    Bodies.deliver(Bodies.pieces(body.getBytes(StandardCharsets.UTF_8), pieceSize), sniffer::onBody, sniffer::onLastBody);
    return estimator;
  }

  private static ResponseFacts observe(String protocol, String operation, String contentType, String body,
                                       UsageEstimator estimator, int pieceSize) {
    ResponseFacts facts = new ResponseFacts(() -> 1L, estimator);
    ResponseObserver observer = ProtocolAdapter.forProtocol(protocol).observer(operation, contentType, null, facts);
    Bodies.deliver(Bodies.pieces(body.getBytes(StandardCharsets.UTF_8), pieceSize), observer::onBody, observer::onLastBody);
    return facts;
  }
}
