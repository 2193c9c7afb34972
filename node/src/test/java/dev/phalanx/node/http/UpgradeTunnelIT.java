package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An Upgrade the route allows (as WebSocket uses it) is tunnelled both ways once the backend answered 101. */
class UpgradeTunnelIT {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private NodeHarness node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        group.shutdownGracefully().syncUninterruptibly();
    }

    /** A backend that accepts {@code Upgrade: echo} and then echoes raw bytes. */
    private Channel echoBackend() {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("codec", new HttpServerCodec()).addLast("h", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof HttpRequest r && "echo".equals(r.headers().get("upgrade"))) {
                                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                            HttpResponseStatus.SWITCHING_PROTOCOLS);
                                    res.headers().set("upgrade", "echo").set("connection", "Upgrade");
                                    ctx.writeAndFlush(res);
                                    ctx.pipeline().remove("codec");
                                    ReferenceCountUtil.release(msg);
                                    return;
                                }
                                if (msg instanceof ByteBuf b) {
                                    ctx.writeAndFlush(b);
                                    return;
                                }
                                ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    @Test
    void tunnelsBytesBothWaysAfter101() throws Exception {
        Channel backend = echoBackend();
        int port = ((InetSocketAddress) backend.localAddress()).getPort();
        node = NodeHarness.start("""
                routes:
                  - { id: ws, match: { pathPrefix: / }, pool: p, upgrades: [echo] }
                pools:
                  - { id: p, endpoints: [ { address: "127.0.0.1:%d" } ] }
                """.formatted(port));
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            assertTrue(head.toLowerCase().contains("upgrade: echo"), head);
            for (int i = 0; i < 100; i++) {
                byte[] msg = ("message " + i + " " + "y".repeat(i * 100)).getBytes(StandardCharsets.US_ASCII);
                out.write(msg);
                out.flush();
                byte[] back = in.readNBytes(msg.length);
                assertEquals(new String(msg, StandardCharsets.US_ASCII), new String(back, StandardCharsets.US_ASCII));
            }
        }
        backend.close().syncUninterruptibly();
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
