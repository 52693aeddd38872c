import NIOPosix
import ServiceLifecycle

/// Owns the thread pool that runs blocking storage calls; shuts it down at graceful shutdown, after the topics
/// (listed after it) have closed.
struct ThreadPoolService: Service {
    let threadPool: NIOThreadPool

    func run() async throws {
        try? await gracefulShutdown()
        try await self.threadPool.shutdownGracefully()
    }
}
