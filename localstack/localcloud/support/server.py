"""LocalStack's Twisted gateway, bound to the configured host (127.0.0.1) only.

Twisted is LocalStack's fastest gateway server here, but it ignores the host in GATEWAY_LISTEN
and listens on every interface; Hypercorn honours the host but costs more per request. This
server is Twisted with the host honoured. Selected with GATEWAY_SERVER=twisted-loopback.

It also stops at once: LocalStack's Twisted server calls `reactor.stop()` from its shutdown
thread, which the reactor, asleep in its poll, only noticed at its next timer (up to 1 s of each
stop); `callFromThread` wakes it.
"""

from localstack.runtime.server.plugins import RuntimeServerPlugin


class LoopbackTwistedServerPlugin(RuntimeServerPlugin):
    name = "twisted-loopback"

    def load(self, *args, **kwargs):
        from localstack.runtime.server.twisted import TwistedRuntimeServer
        from twisted.internet import endpoints

        class LoopbackTwistedRuntimeServer(TwistedRuntimeServer):
            def register(self, gateway, listen, ssl_creds=None):
                hosts = {address.port: address.host for address in listen}
                tcp4 = endpoints.TCP4ServerEndpoint

                def bound_endpoint(reactor, port, backlog=50, interface=""):
                    return tcp4(reactor, port, backlog, interface or hosts.get(port, ""))

                endpoints.TCP4ServerEndpoint = bound_endpoint
                try:
                    super().register(gateway, listen, ssl_creds)
                finally:
                    endpoints.TCP4ServerEndpoint = tcp4

            def shutdown(self):
                from twisted.internet import reactor

                if self.thread_pool:
                    self.thread_pool.stop(timeout=10)
                reactor.callFromThread(reactor.stop)

        return LoopbackTwistedRuntimeServer()
