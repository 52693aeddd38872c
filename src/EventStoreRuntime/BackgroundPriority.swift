import Dispatch
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Lowers the CPU priority of a thread pool's threads (their nice value, on Linux), so the work they run yields the
/// cores to publishing and reading when both want them, and still gets every idle cycle. The projection databases'
/// writes run there: a read model is background work, and must never slow the writes it follows down (RocksDB lowers
/// its compaction threads the same way). Elsewhere than Linux nothing changes.
enum BackgroundPriority {
    /// - Parameters:
    ///   - pool: a started pool of exactly `threads` threads, with nothing queued yet.
    ///   - niceness: added to the threads' nice value (1 to 19; 10 gives them about a tenth of a busy core).
    static func lower(_ pool: NIOThreadPool, threads: Int, niceness: Int32) {
        #if os(Linux)
        guard threads > 0 else { return }
        // One task per thread, each holding its thread until all have arrived, so each lands on a thread of its own.
        let arrived = Mutex(0)
        let released = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            pool.submit { _ in
                // On Linux the nice value belongs to the thread, and `who` 0 is the calling thread (setpriority(2)).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
                let last = arrived.withLock { count in
                    count += 1
                    return count == threads
                }
                if last {
                    for _ in 1..<threads { released.signal() }
                } else {
                    released.wait()
                }
            }
        }
        #endif
    }
}
