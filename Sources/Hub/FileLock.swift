// An advisory lock on `{cache}/.locks/models--org--name/{etag}.lock`: flock(2), the call Python's
// `filelock` makes on the same file, so our process and huggingface_hub never write one blob at once.
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

final class FileLock: Sendable {
    private let descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Waits (without blocking a thread) until the lock is ours; logs every 10 s while it waits.
    static func acquire(at url: URL, logger: Logger) async throws -> FileLock {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.cache(path: url.path, detail: "cannot create lock directory: \(error.localizedDescription)")
        }
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HubError.cache(path: url.path, detail: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        let clock = ContinuousClock()
        var lastNotice = clock.now
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw HubError.cache(path: url.path, detail: "cannot lock: \(reason)")
            }
            if clock.now - lastNotice >= .seconds(10) {
                logger.info(
                    "waiting for another process to finish writing the same file", metadata: ["lock": "\(url.path)"])
                lastNotice = clock.now
            }
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                close(descriptor)
                throw error
            }
        }
        return FileLock(descriptor: descriptor, path: url.path)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
