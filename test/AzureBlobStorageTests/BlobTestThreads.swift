import NIOPosix

/// The threads the blob tests' libcurl calls block: their own, so they never hold up other suites' use of
/// `NIOThreadPool.singleton`.
enum BlobTestThreads {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()
}
