// Scratch memory for forward passes taken straight from the kernel (an anonymous mapping) and given
// back to it when freed. From malloc, every large block freed raises glibc's threshold for mapping the
// next one, so after a few big batches every later pass's scratch came from the heap and stayed
// resident: a server grew by about 100 MB under mixed load, at either precision.
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Zero-filled pages, unmapped when the last reference goes. Untouched pages cost no memory.
final class ScratchPages: @unchecked Sendable {
    // @unchecked: the mapping itself never changes; callers own what they write into it.
    let bytes: UnsafeMutableRawBufferPointer

    init(bytes count: Int) {
        let size = max(count, 1)
        let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED else { fatalError("out of memory: \(size) bytes of scratch") }
        bytes = UnsafeMutableRawBufferPointer(start: address, count: size)
    }

    deinit { munmap(bytes.baseAddress, bytes.count) }

    /// Pages just large enough for `layout`, and the slices `layout` takes from them.
    static func carved<Layout>(_ layout: (inout ScratchCarver) -> Layout) -> (ScratchPages, Layout) {
        let pages = ScratchPages(bytes: ScratchCarver.bytes(for: layout))
        return (pages, pages.carve(layout))
    }

    /// The slices `layout` takes from the start of these pages (which must hold them).
    func carve<Layout>(_ layout: (inout ScratchCarver) -> Layout) -> Layout {
        var carver = ScratchCarver(bytes.baseAddress)
        let slices = layout(&carver)
        precondition(carver.used <= bytes.count, "scratch layout larger than its pages")
        return slices
    }
}

/// Hands out 64-byte-aligned, typed slices of one block, in order: the layout of a scratch block is
/// the sequence of `take` calls, and `bytes(for:)` replays it to size the block first.
struct ScratchCarver {
    static let alignment = 64
    private let base: UnsafeMutableRawPointer?
    private(set) var used = 0

    init(_ base: UnsafeMutableRawPointer?) { self.base = base }

    /// Room for `count` values of `T` (at least one, so every slice has an address).
    mutating func take<T>(_ count: Int, of _: T.Type) -> UnsafeMutablePointer<T> {
        let offset = used
        used += (max(count, 1) * MemoryLayout<T>.stride + Self.alignment - 1) / Self.alignment * Self.alignment
        guard let base else { return UnsafeMutablePointer(bitPattern: Self.alignment)! }
        return (base + offset).bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// The bytes `layout` takes (it runs against no memory, so it must only call `take`).
    static func bytes<Layout>(for layout: (inout ScratchCarver) -> Layout) -> Int {
        var sizing = ScratchCarver(nil)
        _ = layout(&sizing)
        return sizing.used
    }
}

/// The coded input rows of the int8 products (`QuantizedWeight`, `ByteCodedWeight`): one block kept
/// between products for the common sizes, a block of their own for larger ones, freed at once.
enum CodeScratch {
    /// 8 MB: int16 codes of 1,024 rows at bert-base's intermediate width (the retained workspace's rows,
    /// see `Workspace.retainedTokens`) with room to spare. Pages are touched only as rows use them.
    static let retainedBytes = 8 << 20
    /// Products take turns on it: forward passes already run one at a time, but tests and diagnostics
    /// may call products from several threads.
    private static let retained = Mutex<ScratchPages?>(nil)

    /// Runs `body` with the slices `layout` takes: from the retained block when they fit (products take
    /// turns on it), else from pages of their own.
    static func with<Layout>(_ layout: (inout ScratchCarver) -> Layout, _ body: (Layout) -> Void) {
        guard ScratchCarver.bytes(for: layout) <= retainedBytes else {
            let (pages, slices) = ScratchPages.carved(layout)
            withExtendedLifetime(pages) { body(slices) }
            return
        }
        retained.withLock { pages in
            if pages == nil { pages = ScratchPages(bytes: retainedBytes) }
            body(pages!.carve(layout))
        }
    }
}
