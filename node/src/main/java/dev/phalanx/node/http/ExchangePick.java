package dev.phalanx.node.http;

import dev.phalanx.node.balancing.PickContext;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;
import java.util.Arrays;

/** What a balancer may look at for one exchange, and the endpoints its attempts already tried. */
final class ExchangePick implements PickContext {
    private final io.netty.handler.codec.http.HttpRequest request;
    private final RequestTarget target;
    private final InetAddress client;
    // the first attempt's endpoint has its own field: most exchanges make one attempt and need no array
    private Endpoint first;
    private Endpoint[] more;

    ExchangePick(io.netty.handler.codec.http.HttpRequest request, RequestTarget target, InetAddress client) {
        this.request = request;
        this.target = target;
        this.client = client;
    }

    void tried(Endpoint e) {
        if (first == null) {
            first = e;
        } else if (more == null) {
            more = new Endpoint[] {e};
        } else {
            more = Arrays.copyOf(more, more.length + 1);
            more[more.length - 1] = e;
        }
    }

    @Override
    public InetAddress clientAddress() {
        return client;
    }

    @Override
    public String header(String name) {
        return request.headers().get(name);
    }

    @Override
    public String cookie(String name) {
        return Cookies.value(request.headers(), name);
    }

    @Override
    public String path() {
        return target.path();
    }

    @Override
    public boolean alreadyTried(Endpoint e) {
        if (first == e) {
            return true;
        }
        if (more != null) {
            for (Endpoint t : more) {
                if (t == e) {
                    return true;
                }
            }
        }
        return false;
    }
}
