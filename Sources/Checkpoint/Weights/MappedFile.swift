// A whole file mapped read-only into memory, and bounds-checked little-endian reads over it.
// This is the only place in the weight readers that calls the C library; it must not interpret bytes.
//
// A mapping is only as stable as the file under it: if another process truncates the file while it is
// mapped, touching the lost pages raises SIGBUS. Checkpoints are treated as immutable once opened.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only, private mapping of an entire regular file. Unmapped when the last reference goes away;
/// `FloatTensor`s that point into it hold such a reference.
final class MappedFile: @unchecked Sendable {
    // Immutable after init and mapped PROT_READ, so sharing it between threads is safe.
    let path: String
    let bytes: UnsafeRawBufferPointer
    /// True when `bytes` is a heap copy (see `init(path:contents:)`) rather than a mapping.
    private let isHeapCopy: Bool
    /// The mapped file, kept open for `read(_:count:into:)`; -1 for a heap copy or an empty file.
    private let descriptor: Int32

    /// Holds `contents` in page-aligned heap memory, as if mapped from `path`. For parsing bytes that
    /// are already in memory, such as in tests, without touching the file system.
    init(path: String, contents: [UInt8]) {
        self.path = path
        isHeapCopy = true
        descriptor = -1
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(contents.count, 1), alignment: 4096)
        contents.withUnsafeBytes { source in
            if let start = source.baseAddress { memory.copyMemory(from: start, byteCount: source.count) }
        }
        bytes = UnsafeRawBufferPointer(start: memory, count: contents.count)
    }

    init(path: String) throws {
        self.path = path
        isHeapCopy = false
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WeightError.cannotOpen(file: path, reason: Self.lastErrorText()) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let reason = Self.lastErrorText()
            close(fd)
            throw WeightError.cannotOpen(file: path, reason: reason)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw WeightError.cannotOpen(file: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            close(fd)
            descriptor = -1
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            let reason = Self.lastErrorText()
            close(fd)
            throw WeightError.cannotOpen(file: path, reason: "mmap failed: \(reason)")
        }
        descriptor = fd
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Copies the `count` bytes at `address` (inside `bytes`) into `destination` by reading the file
    /// (pread) instead of the mapping, so no page of the mapping becomes resident: the kernel may map a
    /// whole large page-cache folio (megabytes) on one fault, which scattered small reads, such as
    /// embedding rows, would pay for many times over. False for a heap copy or a failed or short read;
    /// the caller then reads the mapping.
    func read(_ address: UnsafeRawPointer, count: Int, into destination: UnsafeMutableRawPointer) -> Bool {
        guard descriptor >= 0, let base = bytes.baseAddress else { return false }
        let offset = address - base
        guard offset >= 0, count >= 0, count <= bytes.count - offset else { return false }
        var done = 0
        while done < count {
            let got = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if got > 0 {
                done += got
            } else if got < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Lets the kernel drop the resident pages wholly inside `range` (a sub-range of `bytes`): they no
    /// longer count in the process's memory and are read from the file again if touched. For weights
    /// whose values were copied elsewhere at load (see `PackedWeight`). No-op for heap copies.
    func releasePages(_ range: UnsafeRawBufferPointer) {
        guard !isHeapCopy, let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + range.count) / page * page
        guard end > first else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, Int32(MADV_DONTNEED))
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isHeapCopy {
            base.deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
            close(descriptor)
        }
    }

    /// A name that stays inside the directory it is joined to: no separators, not `.`/`..`, no NUL.
    /// Used for names read from files (shard names, storage keys) before they become paths.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
            && !name.contains("/") && !name.contains("\\") && !name.contains("\u{0}")
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

/// Bounds-checked little-endian integer reads from a byte buffer. Every read returns nil when the
/// requested range is not entirely inside the buffer, so callers turn truncation into a typed error.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    /// Whether `[offset, offset + length)` lies inside the buffer (overflow-safe).
    func contains(offset: Int, length: Int) -> Bool {
        guard offset >= 0, length >= 0, offset <= bytes.count else { return false }
        return length <= bytes.count - offset
    }

    func u8(at offset: Int) -> UInt8? {
        contains(offset: offset, length: 1) ? bytes[offset] : nil
    }

    func u16(at offset: Int) -> UInt16? { littleEndian(at: offset, as: UInt16.self) }
    func u32(at offset: Int) -> UInt32? { littleEndian(at: offset, as: UInt32.self) }
    func u64(at offset: Int) -> UInt64? { littleEndian(at: offset, as: UInt64.self) }

    func slice(offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard contains(offset: offset, length: length) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    private func littleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T? {
        guard contains(offset: offset, length: MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
