// Free space on the disk holding the cache, so a download that cannot fit fails before it starts,
// naming the path and the bytes it needs, instead of filling the disk and failing midway.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

enum DiskSpace {
    /// Bytes an unprivileged writer may still use on the file system holding `url`; nil when unknown.
    static func available(at url: URL) -> Int64? {
        var stats = statvfs()
        guard statvfs(url.path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// Throws `diskFull` when `needed` bytes do not fit in what is free at `directory`.
    static func ensureRoom(for needed: Int64, file: String, in directory: URL) throws {
        guard needed > 0, let free = available(at: directory), free < needed else { return }
        throw HubError.diskFull(file: file, path: directory.path, needed: needed, available: free)
    }
}
