import AsyncLocking
import NIOPosix
import ServiceLifecycle

/// Owns the thread pool that runs blocking storage calls; shuts it down at graceful shutdown (or cancellation), once
/// the topics that use it have closed.
struct ThreadPoolService: Service {
    let threadPool: NIOThreadPool
    /// Opens when the topics are closed.
    let after: AsyncLatch

    func run() async throws {
        try? await gracefulShutdown()
        await self.after.wait()
        try await self.threadPool.shutdownGracefully()
    }
}
