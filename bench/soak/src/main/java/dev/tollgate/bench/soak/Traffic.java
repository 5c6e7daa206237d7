package dev.tollgate.bench.soak;

import java.util.List;

/**
 * What one soak request is: protocol and shape, attribution, the fake provider's deterministic
 * usage and the fault it asks for. A pure function of the sequence number, so the mix is the same
 * in every run and the expected usage is known without the response.
 *
 * <p>Immutable.
 */
record Traffic(
    long seq,
    Kind kind,
    String team,
    int input,
    int output,
    int upstreamStatus,
    boolean disconnect,
    boolean slow,
    String marker) {

  /** The five request shapes of the mix, with the model each asks for and its list prices. */
  enum Kind {
    CHAT_STREAM("/openai/v1/chat/completions", "gpt-4o-mini", true, 150, 600),
    CHAT("/openai/v1/chat/completions", "gpt-4o-mini", false, 150, 600),
    RESPONSES("/openai/v1/responses", "gpt-4.1", false, 2000, 8000),
    MESSAGES_STREAM("/anthropic/v1/messages", "claude-sonnet-4-5", true, 3000, 15000),
    MESSAGES("/anthropic/v1/messages", "claude-sonnet-4-5", false, 3000, 15000);

    final String path;
    final String model;
    final boolean stream;
    /** Bundled catalog prices in nano-USD per token ($0.15 per million = 150); exact integers. */
    final long inputNanos;
    final long outputNanos;

    Kind(String path, String model, boolean stream, long inputNanos, long outputNanos) {
      this.path = path;
      this.model = model;
      this.stream = stream;
      this.inputNanos = inputNanos;
      this.outputNanos = outputNanos;
    }

    boolean anthropic() {
      return path.startsWith("/anthropic/");
    }
  }

  /** Teams carrying exact token totals; the others hold the faults' requests. */
  static final List<String> EXACT_TEAMS = List.of("soak-a", "soak-b", "soak-c");
  static final String TEAM_ERRORS = "soak-upstream-errors";
  static final String TEAM_DISCONNECT = "soak-disconnects";
  static final String TEAM_INFLIGHT = "soak-inflight";
  /** Every request sent while the spool-full phase runs: its losses must equal `dropped`. */
  static final String TEAM_SPOOL = "soak-spool-full";
  static final String TENANT = "soak";
  static final String OTHER_TENANT = "soak-other";

  private static final Kind[] MIX = {
    Kind.CHAT_STREAM, Kind.CHAT, Kind.RESPONSES, Kind.MESSAGES_STREAM, Kind.MESSAGES,
    Kind.CHAT_STREAM, Kind.CHAT, Kind.MESSAGES_STREAM, Kind.RESPONSES, Kind.MESSAGES};
  private static final int[] ERROR_STATUSES = {429, 500, 503};

  /**
   * Request {@code seq} of a run: 5% upstream errors (seq % 20 == 7), 2% client disconnects
   * mid-stream (seq % 50 == 13, always a stream), the rest spread over three teams and five shapes.
   */
  static Traffic of(long seq, String runId, String teamOverride) {
    boolean error = seq % 20 == 7;
    boolean disconnect = !error && seq % 50 == 13;
    // Errors rotate through every shape (seq % 20 == 7 alone would always pick the same one).
    Kind kind = error ? MIX[(int) (seq / 20 % MIX.length)]
        : disconnect ? (seq % 100 == 13 ? Kind.CHAT_STREAM : Kind.MESSAGES_STREAM)
        : MIX[(int) (seq % MIX.length)];
    String team = error ? TEAM_ERRORS : disconnect ? TEAM_DISCONNECT : EXACT_TEAMS.get((int) (seq / 7 % 3));
    if (teamOverride != null) {
      team = teamOverride;
    }
    int input = 20 + (int) (seq * 37 % 1800);
    int output = 1 + (int) (seq * 13 % 400);
    int status = error ? ERROR_STATUSES[(int) (seq / 20 % ERROR_STATUSES.length)] : 0;
    return new Traffic(seq, kind, team, input, output, status, disconnect, false, marker(runId, seq));
  }

  /** A long stream (10 events 300 ms apart) to be in flight across a graceful edge restart. */
  static Traffic inflight(long seq, String runId) {
    Kind kind = seq % 2 == 0 ? Kind.CHAT_STREAM : Kind.MESSAGES_STREAM;
    return new Traffic(seq, kind, TEAM_INFLIGHT, 100 + (int) (seq % 50), 10, 0, false, true, marker(runId, seq));
  }

  /** The unique string placed in the prompt; the leak scan searches for its run-wide prefix. */
  static String marker(String runId, long seq) {
    return markerPrefix(runId) + seq;
  }

  static String markerPrefix(String runId) {
    return "SOAKMARK" + runId + "x";
  }

  /** The fake provider key a team's requests carry; the leak scan searches for its prefix. */
  static String providerKey(String runId, String team) {
    return keyPrefix(runId) + team.replace('-', '0');
  }

  static String keyPrefix(String runId) {
    return "sk-soak" + runId + "k";
  }

  /** Tokens as the API must report them; a disconnect's are estimated by the edge, not known here. */
  boolean exactTokens() {
    return !disconnect;
  }

  long expectedInput() {
    return upstreamStatus != 0 ? 0 : input;
  }

  long expectedOutput() {
    return upstreamStatus != 0 ? 0 : output;
  }

  long expectedCostNanos() {
    return expectedInput() * kind.inputNanos + expectedOutput() * kind.outputNanos;
  }

  int chunks() {
    return slow ? 10 : disconnect ? 20 : 6;
  }

  String body() {
    String prompt = "Summarise support ticket " + marker + " in one line.";
    String stream = kind.stream ? ",\"stream\":true" : "";
    return switch (kind) {
      case CHAT_STREAM, CHAT -> "{\"model\":\"" + kind.model + "\"" + stream
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
      case RESPONSES -> "{\"model\":\"" + kind.model + "\",\"input\":\"" + prompt + "\"}";
      case MESSAGES_STREAM, MESSAGES -> "{\"model\":\"" + kind.model + "\",\"max_tokens\":1024" + stream
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    };
  }
}
