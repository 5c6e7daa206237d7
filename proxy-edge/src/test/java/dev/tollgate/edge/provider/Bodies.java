package dev.tollgate.edge.provider;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Hands a body to a reader as the exchange does: every chunk but the last to {@code onBody}, the
 * last one (empty when the body is) to {@code onLastBody}, which also ends the body. So a body in
 * one chunk is read whole, with the blocking parser, and a split one incrementally. Stateless.
 */
public final class Bodies {

  private Bodies() {}

  public static void deliver(List<ByteBuf> chunks, Consumer<ByteBuf> onBody, Consumer<ByteBuf> onLastBody) {
    int last = chunks.size() - 1;
    for (int i = 0; i < last; i++) {
      onBody.accept(chunks.get(i));
    }
    onLastBody.accept(last < 0 ? Unpooled.EMPTY_BUFFER : chunks.get(last));
  }

  /** {@code body} in pieces of {@code pieceSize} bytes (the last may be shorter), sharing its array. */
  public static List<ByteBuf> pieces(byte[] body, int pieceSize) {
    List<ByteBuf> pieces = new ArrayList<>();
    for (int i = 0; i < body.length; i += pieceSize) {
      pieces.add(Unpooled.wrappedBuffer(body, i, Math.min(pieceSize, body.length - i)));
    }
    return pieces;
  }

  /** Each chunk wrapped as it is. */
  public static List<ByteBuf> wrapped(List<byte[]> chunks) {
    return chunks.stream().map(Unpooled::wrappedBuffer).toList();
  }
}
