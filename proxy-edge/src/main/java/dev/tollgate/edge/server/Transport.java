package dev.tollgate.edge.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The edge's I/O transport: Linux's native epoll when Netty's native library loads (fewer system
 * calls and less garbage per request than the JDK's selector), else NIO. One choice for every
 * channel the edge opens, since an event loop serves only channels of its own transport.
 *
 * <p>Immutable and thread-safe.
 */
public enum Transport {
  EPOLL, NIO;

  /** Epoll where available; {@code -Dtollgate.edge.transport=nio} forces NIO (diagnosis). */
  public static Transport best() {
    if (!"nio".equalsIgnoreCase(System.getProperty("tollgate.edge.transport")) && Epoll.isAvailable()) {
      return EPOLL;
    }
    return NIO;
  }

  public IoHandlerFactory ioHandlerFactory() {
    return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  public Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends SocketChannel> socketChannel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  public Class<? extends DatagramChannel> datagramChannel() {
    return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }
}
